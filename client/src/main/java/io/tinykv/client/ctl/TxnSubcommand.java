package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.txn.Transaction;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** What the {@code txn} subcommands share: the ctl options, key formats, one client per run. */
abstract class TxnSubcommand implements Callable<Integer> {
    @ParentCommand
    TxnCommand txn;

    @Spec
    CommandSpec spec;

    KeyFormat format() {
        return txn.parent.format(spec.commandLine());
    }

    /** Reads an argument in the chosen format; a malformed one is a usage error naming it. */
    ByteString parse(String what, String input) {
        try {
            return format().parse(what, input);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    int withClient(CtlCommand.TxnAction action) {
        return txn.parent.withTxnClient(spec.commandLine(), action);
    }

    static String committed(Transaction t) {
        return "committed start_ts=" + Long.toUnsignedString(t.startTs()) + " commit_ts="
                + Long.toUnsignedString(t.commitTs());
    }

    static String started(Transaction t) {
        return "start_ts=" + Long.toUnsignedString(t.startTs());
    }
}
