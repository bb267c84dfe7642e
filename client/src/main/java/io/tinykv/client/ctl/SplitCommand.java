package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Splits the region holding a key so that a region starts at it; prints the regions of the split. */
@Command(name = "split", description = "Split the region holding KEY at KEY (RawKV key space); print the regions"
    + " of the split.", usageHelpAutoWidth = true)
final class SplitCommand extends KvSubcommand {
  @Option(names = "--key", required = true, paramLabel = "KEY", description = "Where the new region starts.")
  String key;

  @Override
  public Integer call() {
    ByteString k = parse("key", key);
    if (k.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "the empty key starts the key space: a region cannot be split there");
    }
    return parent.withClient(spec.commandLine(), (client, out, err) -> {
      List<Metapb.Region> regions = client.splitRegion(k);
      for (Metapb.Region r : regions) {
        out.println("region " + r.getId() + " [" + format().format(r.getStartKey()) + ", "
            + format().format(r.getEndKey()) + ") version " + r.getRegionEpoch().getVersion());
      }
      return CtlCommand.EXIT_OK;
    });
  }
}
