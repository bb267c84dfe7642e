package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.region.RegionStatus;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lists regions in key order: id, key range, epoch, peers (peer id and store id) and leader, plus the
 * peers PD reports down or pending. Keys print in the chosen format (--hex, --base64, or escaped
 * text); the unbounded ends print as {@code -inf} and {@code +inf} (in JSON: empty strings). With
 * {@code --txn} the boundaries of transactional data print decoded into the user keys they encode.
 */
@Command(
        name = "regions",
        description = "List the regions of the cluster in key order, as the scheduler (PD) knows them.",
        usageHelpAutoWidth = true)
final class RegionsCommand extends PdSubcommand {
    static final String MINUS_INFINITY = "-inf";
    static final String PLUS_INFINITY = "+inf";
    static final String NONE = "-";

    @Option(
            names = "--start",
            paramLabel = "KEY",
            description = "Regions overlapping keys from KEY on (default: the beginning).")
    String start = "";

    @Option(names = "--end", paramLabel = "KEY", description = "... up to KEY, exclusive (default: the end).")
    String end = "";

    @Option(names = "--limit", paramLabel = "N", description = "At most N regions (default: 0, all).")
    int limit;

    @Option(
            names = "--txn",
            description = "The cluster holds transactional data (TXN key mode): boundaries print"
                    + " as the user keys they encode, and --start/--end are user keys. Default: keys as they are.")
    boolean txn;

    @Override
    public Integer call() {
        if (limit < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 0, got " + limit);
        }
        KeyFormat format = format();
        ByteString startKey = parse(format, "--start", start);
        ByteString endKey = parse(format, "--end", end);
        if (!endKey.isEmpty() && ByteString.unsignedLexicographicalComparator().compare(startKey, endKey) > 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--start must not be after --end");
        }
        return parent.withPdClient(spec.commandLine(), (pd, out, err) -> {
            List<RegionStatus> regions = RegionScan.regions(txn ? pd.withTxnKeys() : pd, startKey, endKey, limit);
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (RegionStatus region : regions) {
                    rows.add(jsonRow(region, format));
                }
                printJson(out, object("count", rows.size(), "regions", rows));
                return CtlCommand.EXIT_OK;
            }
            Table table = new Table("ID", "START", "END", "EPOCH", "PEERS", "LEADER", "DOWN", "PENDING");
            for (RegionStatus status : regions) {
                RegionInfo region = status.info();
                Metapb.RegionEpoch epoch = region.region().getRegionEpoch();
                table.row(
                        Long.toString(region.id()),
                        region.startKey().isEmpty() ? MINUS_INFINITY : key(format, region.startKey()),
                        region.endKey().isEmpty() ? PLUS_INFINITY : key(format, region.endKey()),
                        epoch.getConfVer() + "/" + epoch.getVersion(),
                        peers(region.region().getPeersList()),
                        region.hasLeader() ? peer(region.leader()) : NONE,
                        peers(status.downPeers().stream()
                                .map(Pdpb.PeerStats::getPeer)
                                .toList()),
                        peers(status.pendingPeers()));
            }
            table.print(out);
            return CtlCommand.EXIT_OK;
        });
    }

    private ByteString parse(KeyFormat format, String what, String input) {
        try {
            return format.parse(what, input);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /** Text keys are quoted in the table, so that a key like "-inf" or one with spaces stays readable. */
    private static String key(KeyFormat format, ByteString key) {
        return format == KeyFormat.TEXT ? "\"" + format.format(key) + "\"" : format.format(key);
    }

    /** {@code 11@1,12@2}: peer id at store id; learners are marked {@code (learner)}. */
    private static String peers(List<Metapb.Peer> peers) {
        if (peers.isEmpty()) {
            return NONE;
        }
        return peers.stream().map(RegionsCommand::peer).collect(Collectors.joining(","));
    }

    private static String peer(Metapb.Peer peer) {
        String text = peer.getId() + "@" + peer.getStoreId();
        return peer.getRole() == Metapb.PeerRole.Voter
                ? text
                : text + "(" + peer.getRole().name().toLowerCase(java.util.Locale.ROOT) + ")";
    }

    private static Map<String, Object> jsonRow(RegionStatus status, KeyFormat format) {
        RegionInfo region = status.info();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", region.id());
        row.put("start_key", format.format(region.startKey()));
        row.put("end_key", format.format(region.endKey()));
        row.put(
                "epoch",
                object(
                        "conf_ver",
                        region.region().getRegionEpoch().getConfVer(),
                        "version",
                        region.region().getRegionEpoch().getVersion()));
        row.put(
                "peers",
                region.region().getPeersList().stream()
                        .map(RegionsCommand::jsonPeer)
                        .toList());
        row.put("leader", region.hasLeader() ? jsonPeer(region.leader()) : null);
        List<Map<String, Object>> down = new ArrayList<>();
        for (Pdpb.PeerStats stats : status.downPeers()) {
            Map<String, Object> peer = jsonPeer(stats.getPeer());
            peer.put("down_seconds", stats.getDownSeconds());
            down.add(peer);
        }
        row.put("down_peers", down);
        row.put(
                "pending_peers",
                status.pendingPeers().stream().map(RegionsCommand::jsonPeer).toList());
        return row;
    }

    private static Map<String, Object> jsonPeer(Metapb.Peer peer) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", peer.getId());
        out.put("store_id", peer.getStoreId());
        out.put("role", peer.getRole().name());
        return out;
    }
}
