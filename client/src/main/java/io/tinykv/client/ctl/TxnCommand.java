package io.tinykv.client.ctl;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code tinykv ctl txn}: transactional reads and writes. {@code put}, {@code delete}, {@code get} and
 * {@code scan} each run as one transaction of their own; {@code shell} reads commands from stdin and
 * runs transactions spanning several commands.
 */
@Command(
        name = "txn",
        description = "Transactional commands (snapshot isolation, atomic multi-key writes).",
        subcommands = {
            TxnPutCommand.class,
            TxnDeleteCommand.class,
            TxnGetCommand.class,
            TxnScanCommand.class,
            TxnShellCommand.class
        },
        usageHelpAutoWidth = true)
final class TxnCommand implements Callable<Integer> {
    @ParentCommand
    CtlCommand parent;

    @Spec
    CommandSpec spec;

    /** Without a subcommand: say what there is. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CtlCommand.EXIT_USAGE;
    }
}
