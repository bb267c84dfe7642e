package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.txn.Transaction;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Removes one or more keys in one transaction and prints its timestamps. */
@Command(
        name = "delete",
        description = "Remove each KEY (absent ones too), all in one transaction.",
        usageHelpAutoWidth = true)
final class TxnDeleteCommand extends TxnSubcommand {
    @Parameters(arity = "1..*", paramLabel = "KEY", description = "The keys.")
    List<String> keys;

    @Override
    public Integer call() {
        List<ByteString> parsed = keys.stream().map(k -> parse("key", k)).toList();
        return withClient((client, out, err) -> {
            try (Transaction t = client.begin()) {
                parsed.forEach(t::delete);
                t.commit();
                out.println(committed(t));
            }
            return CtlCommand.EXIT_OK;
        });
    }
}
