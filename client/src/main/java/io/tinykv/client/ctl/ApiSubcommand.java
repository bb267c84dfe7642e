package io.tinykv.client.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What the subcommands that call the scheduler's JSON API share (operator, store, scheduler,
 * region): finding {@link CtlCommand} above them, and printing the answer's {@code message}.
 */
abstract class ApiSubcommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @CommandLine.Option(names = "--json", description = "Print the scheduler's JSON answer.")
    boolean json;

    /** The {@code ctl} command this one hangs under, however deep. */
    CtlCommand ctl() {
        for (CommandLine c = spec.commandLine(); c != null; c = c.getParent()) {
            if (c.getCommand() instanceof CtlCommand ctl) {
                return ctl;
            }
        }
        throw new IllegalStateException(spec.name() + " is not under tinykv ctl");
    }

    int withApi(ApiAction action) {
        return ctl().withSchedulerApi(spec.commandLine(), action);
    }

    /** Prints an operation's answer: its message, or with --json the whole answer. */
    int printDone(JsonNode answer, PrintWriter out) {
        if (json) {
            PdSubcommand.printJson(out, answer);
        } else {
            out.println(answer.path("message").asText());
        }
        return CtlCommand.EXIT_OK;
    }

    @FunctionalInterface
    interface ApiAction {
        int run(SchedulerApi api, PrintWriter out, PrintWriter err);
    }
}
