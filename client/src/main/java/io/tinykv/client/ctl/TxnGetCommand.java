package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.txn.Transaction;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * Reads keys from one snapshot. One key: prints its value; several: a {@code key: value} line per key
 * found. Absent keys are named on stderr and make the exit code 1. The snapshot's start ts goes to
 * stderr, so that stdout holds only data.
 */
@Command(
        name = "get",
        description = "Print the values of KEYs, read from one snapshot " + "(exit code 1 when one has none).",
        usageHelpAutoWidth = true)
final class TxnGetCommand extends TxnSubcommand {
    @Parameters(arity = "1..*", paramLabel = "KEY", description = "The keys.")
    List<String> keys;

    @Override
    public Integer call() {
        List<ByteString> parsed = keys.stream().map(k -> parse("key", k)).toList();
        KeyFormat format = format();
        return withClient((client, out, err) -> {
            try (Transaction t = client.begin()) {
                Map<ByteString, ByteString> found = t.batchGet(parsed);
                int exit = CtlCommand.EXIT_OK;
                for (ByteString key : parsed) {
                    ByteString value = found.get(key);
                    if (value == null) {
                        err.println(parsed.size() == 1 ? "(not found)" : "(not found) " + format.format(key));
                        exit = CtlCommand.EXIT_NOT_FOUND;
                    } else {
                        out.println(
                                parsed.size() == 1
                                        ? format.format(value)
                                        : format.format(key) + ": " + format.format(value));
                    }
                }
                err.println(started(t));
                return exit;
            }
        });
    }
}
