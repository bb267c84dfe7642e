package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.KeyValue;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Prints the pairs of a key range as {@code key: value} lines (or one key per line with
 * --keys-only), in ascending key order or descending with --reverse. Prints nothing for an empty range.
 */
@Command(
        name = "scan",
        description = "Print the pairs with keys in [START, END), one 'key: value' per line.",
        usageHelpAutoWidth = true)
final class ScanCommand extends KvSubcommand {
    static final int DEFAULT_LIMIT = 100;

    @Option(names = "--start", paramLabel = "KEY", description = "First key (inclusive; default: the beginning).")
    String start = "";

    @Option(names = "--end", paramLabel = "KEY", description = "Last key (exclusive; default: the end).")
    String end = "";

    @Option(names = "--limit", paramLabel = "N", description = "At most N pairs (default: " + DEFAULT_LIMIT + ").")
    int limit = DEFAULT_LIMIT;

    @Option(names = "--reverse", description = "Descending key order (from END down to START).")
    boolean reverse;

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
        return parent.withClient(spec.commandLine(), (client, out, err) -> {
            List<KeyValue> pairs = reverse
                    ? client.reverseScan(startKey, endKey, limit, keysOnly)
                    : client.scan(startKey, endKey, limit, keysOnly);
            for (KeyValue pair : pairs) {
                out.println(
                        keysOnly
                                ? format.format(pair.key())
                                : format.format(pair.key()) + ": " + format.format(pair.value()));
            }
            return CtlCommand.EXIT_OK;
        });
    }
}
