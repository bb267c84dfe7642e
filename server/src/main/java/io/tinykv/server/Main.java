package io.tinykv.server;

import io.tinykv.client.ctl.CtlCommand;
import io.tinykv.scheduler.SchedulerCommand;
import io.tinykv.server.standalone.StandaloneCommand;
import io.tinykv.server.store.ServerCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tinykv} command. Each way of running the system is one subcommand class listed in
 * {@code subcommands} below; adding a mode (server, scheduler, playground, ctl, bench) means
 * writing its command class and adding it to that list.
 */
@Command(
        name = "tinykv",
        mixinStandardHelpOptions = true,
        versionProvider = TinykvVersion.class,
        description = "A distributed, transactional key-value store in the shape of TinyKV/TiKV.",
        subcommands = {
            StandaloneCommand.class,
            ServerCommand.class,
            SchedulerCommand.class,
            io.tinykv.server.playground.PlaygroundCommand.class,
            CtlCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Also: tinykv bench run|compare-etcd|baseline ... -- the benchmark driver, run by the",
            "launcher from its own classpath (see bench/README.md)."
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, also used by tests to run commands in-process. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }

    /** {@code tinykv} without a subcommand: say what to do instead of doing nothing silently. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (see tinykv --help)");
    }
}
