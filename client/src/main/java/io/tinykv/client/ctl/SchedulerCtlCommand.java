package io.tinykv.client.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinykv ctl scheduler ...}: pause or resume one of the scheduler's checkers or schedulers
 * ({@code replica}, {@code balance-leader-scheduler}, {@code balance-region-scheduler}, ...), or show
 * which are paused.
 */
@Command(
        name = "scheduler",
        description = "Pause or resume a checker or scheduler of the scheduler, or show them.",
        subcommands = {SchedulerCtlCommand.Show.class, SchedulerCtlCommand.Pause.class, SchedulerCtlCommand.Resume.class
        },
        usageHelpAutoWidth = true)
final class SchedulerCtlCommand implements Callable<Integer> {
    static final long DEFAULT_PAUSE_SECONDS = 3_600;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CtlCommand.EXIT_USAGE;
    }

    @Command(name = "pause", description = "Pause NAME for a while.")
    static final class Pause extends ApiSubcommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Checker or scheduler name (see: scheduler show).")
        String name;

        @Option(
                names = "--seconds",
                paramLabel = "N",
                description = "How long, in seconds (default: " + DEFAULT_PAUSE_SECONDS + ").")
        long seconds = DEFAULT_PAUSE_SECONDS;

        @Override
        public Integer call() {
            if (seconds <= 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(),
                        "--seconds must be positive (got " + seconds + "); to resume, use: scheduler resume " + name);
            }
            return withApi((api, out, err) ->
                    printDone(api.post("schedulers/" + name, Map.of("delay_seconds", seconds)), out));
        }
    }

    @Command(name = "resume", description = "Resume NAME now.")
    static final class Resume extends ApiSubcommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Checker or scheduler name.")
        String name;

        @Override
        public Integer call() {
            return withApi(
                    (api, out, err) -> printDone(api.post("schedulers/" + name, Map.of("delay_seconds", 0)), out));
        }
    }

    @Command(name = "show", description = "What can be paused, and what is.")
    static final class Show extends ApiSubcommand {
        @Override
        public Integer call() {
            return withApi((api, out, err) -> {
                JsonNode list = api.get("schedulers");
                if (json) {
                    PdSubcommand.printJson(out, list);
                    return CtlCommand.EXIT_OK;
                }
                for (JsonNode p : list) {
                    out.println(p.path("name").asText()
                            + (p.path("paused").asBoolean()
                                    ? "  paused until "
                                            + java.time.Instant.ofEpochMilli(p.path("paused_until_millis")
                                                    .asLong())
                                    : "  running"));
                }
                return CtlCommand.EXIT_OK;
            });
        }
    }
}
