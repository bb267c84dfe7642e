package io.tinykv.client.ctl;

import picocli.CommandLine.Command;

/** Reads transaction commands from stdin, one per line; see {@link TxnShell}. */
@Command(
        name = "shell",
        description = {
            "Read transaction commands from stdin, one per line:",
            "  begin | get KEY | put KEY VALUE | delete KEY | scan [START [END [LIMIT]]]",
            "  commit | rollback | help | exit",
            "get/put/delete/scan outside a transaction begin one. Arguments are separated by spaces: "
                    + "use --hex or --base64 for keys or values containing spaces.",
            "Exit code: 0 when every command succeeded, " + CtlCommand.EXIT_COMMIT_UNKNOWN
                    + " when a commit's outcome is unknown, " + CtlCommand.EXIT_FAILURE + " after other errors."
        },
        usageHelpAutoWidth = true)
final class TxnShellCommand extends TxnSubcommand {
    @Override
    public Integer call() {
        KeyFormat format = format();
        return withClient((client, out, err) -> new TxnShell(client, format, txn.parent.input(), out, err).run());
    }
}
