package io.tinykv.client.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import java.util.HexFormat;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tinykv ctl region ID} or {@code tinykv ctl region --key KEY}: one region as the scheduler
 * knows it — range, epoch, peers, leader, size, and the operator running on it — e.g. to find which
 * store leads a key before moving that leadership with {@code operator transfer-leader}.
 */
@Command(
        name = "region",
        description = "Show one region (by id, or the one holding --key) and its leader.",
        usageHelpAutoWidth = true)
final class RegionCommand extends ApiSubcommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Region id.")
    Long regionId;

    @Option(names = "--key", paramLabel = "KEY", description = "The region holding KEY (in the --hex/--base64 format).")
    String key;

    @Override
    public Integer call() {
        if ((regionId == null) == (key == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give a region ID or --key KEY (one of them)");
        }
        String path;
        if (key != null) {
            ByteString k;
            try {
                k = ctl().format(spec.commandLine()).parse("key", key);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            path = "region/key/" + HexFormat.of().formatHex(k.toByteArray()) + "?format=hex";
        } else {
            path = "region/id/" + regionId;
        }
        return withApi((api, out, err) -> {
            JsonNode r = api.get(path);
            if (json) {
                PdSubcommand.printJson(out, r);
                return CtlCommand.EXIT_OK;
            }
            StringBuilder peers = new StringBuilder();
            for (JsonNode p : r.path("peers")) {
                peers.append(peers.isEmpty() ? "" : ", ")
                        .append("peer ")
                        .append(p.path("id").asLong())
                        .append(" on store ")
                        .append(p.path("store_id").asLong());
            }
            JsonNode leader = r.path("leader");
            out.println("region " + r.path("id").asLong() + " ["
                    + r.path("start_key").asText() + ", "
                    + (r.path("end_key").asText().isEmpty()
                            ? "(end)"
                            : r.path("end_key").asText()) + ")");
            out.println("  epoch version " + r.path("version").asLong() + ", conf_ver "
                    + r.path("conf_ver").asLong());
            out.println("  leader: "
                    + (leader.isMissingNode() || leader.isNull()
                            ? "unknown"
                            : "peer " + leader.path("id").asLong() + " on store "
                                    + leader.path("store_id").asLong()));
            out.println("  peers: " + peers);
            out.println("  size: " + r.path("approximate_size_bytes").asLong() + " bytes, "
                    + r.path("approximate_keys").asLong() + " keys");
            if (r.hasNonNull("operator")) {
                out.println("  operator: " + r.path("operator").asText());
            }
            return CtlCommand.EXIT_OK;
        });
    }
}
