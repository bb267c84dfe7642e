package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Splits the region holding a key so that a region starts at it; prints the regions of the split.
 *
 * <p>A cluster holds raw data (RawKV, region boundaries are raw keys) or transactional data (TXN key
 * mode: boundaries are memcomparable-encoded user keys, as TiKV's API V1 has them). The operator says
 * which with {@code --txn}, as a TiKV client is told its mode: the split of a transactional cluster
 * sends the user key with {@code is_raw_kv} false and the store cuts at its encoding. A raw split in a
 * TXN-mode cluster is refused by PD (the key is no encoding), so the wrong mode cannot cut silently.
 */
@Command(
        name = "split",
        description = "Split the region holding KEY at KEY; print the regions of the split.",
        usageHelpAutoWidth = true)
final class SplitCommand extends KvSubcommand {
    @Option(names = "--key", required = true, paramLabel = "KEY", description = "Where the new region starts.")
    String key;

    @Option(
            names = "--txn",
            description = "KEY is a user key of transactional data (a cluster in TXN key mode):"
                    + " the region starts at its memcomparable encoding; boundaries print decoded. Default: a raw key.")
    boolean txn;

    @Override
    public Integer call() {
        ByteString k = parse("key", key);
        if (k.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "the empty key starts the key space: a region cannot be split there");
        }
        if (txn) {
            return parent.withTxnClient(spec.commandLine(), (client, out, err) -> print(client.splitRegion(k), out));
        }
        return parent.withClient(spec.commandLine(), (client, out, err) -> print(client.splitRegion(k), out));
    }

    private int print(List<Metapb.Region> regions, PrintWriter out) {
        for (Metapb.Region r : regions) {
            out.println("region " + r.getId() + " [" + format().format(r.getStartKey()) + ", "
                    + format().format(r.getEndKey()) + ") version "
                    + r.getRegionEpoch().getVersion());
        }
        return CtlCommand.EXIT_OK;
    }
}
