package io.tinykv.bench;

import io.tinykv.bench.compare.BenchEnvironment;
import io.tinykv.bench.driver.BenchException;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bench}: the workload driver and the side-by-side comparisons. Stand-alone through
 * {@link #main}, or registered as a subcommand of the {@code tinykv} launcher with
 * {@code commandLine.addSubcommand(new BenchCommand())} (picocli takes the name from the annotation).
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks tinykv, and compares it with etcd and RocksDB on this machine.",
        subcommands = {RunCommand.class, CompareEtcdCommand.class, BaselineCommand.class, TxnBaselineCommand.class})
public final class BenchCommand implements Runnable {

    private final Supplier<BenchEnvironment> environment;

    /** Benchmarks against the real machine. */
    public BenchCommand() {
        this(BenchEnvironment::system);
    }

    /** Benchmarks with the given environment (tests pass fakes). */
    public BenchCommand(Supplier<BenchEnvironment> environment) {
        this.environment = environment;
    }

    BenchEnvironment environment() {
        return environment.get();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                new CommandLine(this), "name a subcommand: run, compare-etcd or baseline");
    }

    /** A command line that reports benchmark failures as one clear message rather than a stack trace. */
    public static CommandLine commandLine(BenchCommand command) {
        // Enum options read as documented in lower case too: --tinykv playground, --distribution uniform.
        CommandLine cl = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((e, line, parseResult) -> {
            line.getErr().println("bench: " + message(e));
            if (!(e instanceof BenchException) && !(e instanceof IllegalArgumentException)) {
                e.printStackTrace(line.getErr());
            }
            return 1;
        });
        return cl;
    }

    /** The command line as typed, e.g. {@code bench compare-etcd --single}, for the reports. */
    static String invocation(picocli.CommandLine.Model.CommandSpec spec) {
        return spec.root().name() + " "
                + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    private static String message(Throwable e) {
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    public static void main(String[] args) {
        int code = commandLine(new BenchCommand()).execute(args);
        System.exit(code);
    }
}
