package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.KeyValue;
import io.tinykv.client.txn.Transaction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Prints the pairs of a key range from one snapshot; its start ts goes to stderr. */
@Command(
        name = "scan",
        description = "Print the pairs with keys in [START, END) from one snapshot, " + "one 'key: value' per line.",
        usageHelpAutoWidth = true)
final class TxnScanCommand extends TxnSubcommand {
    @Option(names = "--start", paramLabel = "KEY", description = "First key (inclusive; default: the beginning).")
    String start = "";

    @Option(names = "--end", paramLabel = "KEY", description = "Last key (exclusive; default: the end).")
    String end = "";

    @Option(
            names = "--limit",
            paramLabel = "N",
            description = "At most N pairs (default: " + ScanCommand.DEFAULT_LIMIT + ").")
    int limit = ScanCommand.DEFAULT_LIMIT;

    @Option(names = "--keys-only", description = "Print keys only.")
    boolean keysOnly;

    @Override
    public Integer call() {
        if (limit <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be > 0, got " + limit);
        }
        ByteString startKey = parse("--start", start);
        ByteString endKey = parse("--end", end);
        if (!endKey.isEmpty() && ByteString.unsignedLexicographicalComparator().compare(startKey, endKey) > 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--start must not be after --end");
        }
        KeyFormat format = format();
        return withClient((client, out, err) -> {
            try (Transaction t = client.begin()) {
                for (KeyValue pair : t.scan(startKey, endKey, limit)) {
                    out.println(
                            keysOnly
                                    ? format.format(pair.key())
                                    : format.format(pair.key()) + ": " + format.format(pair.value()));
                }
                err.println(started(t));
            }
            return CtlCommand.EXIT_OK;
        });
    }
}
