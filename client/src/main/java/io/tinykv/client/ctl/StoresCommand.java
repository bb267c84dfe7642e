package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import io.tinykv.client.region.RegionStatus;
import io.tinykv.proto.Metapb;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * Lists the stores PD knows: id, address, state, how many region replicas and leaders each holds (as
 * PD last heard from the leaders), version and last heartbeat.
 */
@Command(
        name = "stores",
        description = "List the stores of the cluster, as the scheduler (PD) knows them.",
        usageHelpAutoWidth = true)
final class StoresCommand extends PdSubcommand {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    @Override
    public Integer call() {
        return parent.withPdClient(spec.commandLine(), (pd, out, err) -> {
            List<Metapb.Store> stores = pd.getAllStores(false);
            List<RegionStatus> regions = RegionScan.regions(pd, ByteString.EMPTY, ByteString.EMPTY, 0);
            Map<Long, Integer> replicas = new HashMap<>();
            Map<Long, Integer> leaders = new HashMap<>();
            for (RegionStatus region : regions) {
                for (Metapb.Peer peer : region.info().region().getPeersList()) {
                    replicas.merge(peer.getStoreId(), 1, Integer::sum);
                }
                if (region.info().hasLeader()) {
                    leaders.merge(region.info().leader().getStoreId(), 1, Integer::sum);
                }
            }
            List<Metapb.Store> sorted = stores.stream()
                    .sorted(java.util.Comparator.comparingLong(Metapb.Store::getId))
                    .toList();
            if (json) {
                List<Map<String, Object>> rows = new ArrayList<>();
                for (Metapb.Store store : sorted) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", store.getId());
                    row.put("address", store.getAddress());
                    row.put("peer_address", store.getPeerAddress());
                    row.put("status_address", store.getStatusAddress());
                    row.put("state", store.getState().name());
                    row.put("region_count", replicas.getOrDefault(store.getId(), 0));
                    row.put("leader_count", leaders.getOrDefault(store.getId(), 0));
                    row.put("version", store.getVersion());
                    String heartbeat = heartbeat(store.getLastHeartbeat());
                    row.put("last_heartbeat", heartbeat.equals("-") ? null : heartbeat);
                    rows.add(row);
                }
                printJson(out, object("count", rows.size(), "stores", rows));
                return CtlCommand.EXIT_OK;
            }
            Table table = new Table("ID", "ADDRESS", "STATE", "REGIONS", "LEADERS", "VERSION", "LAST_HEARTBEAT");
            for (Metapb.Store store : sorted) {
                table.row(
                        Long.toString(store.getId()),
                        store.getAddress(),
                        store.getState().name(),
                        Integer.toString(replicas.getOrDefault(store.getId(), 0)),
                        Integer.toString(leaders.getOrDefault(store.getId(), 0)),
                        store.getVersion().isEmpty() ? "-" : store.getVersion(),
                        heartbeat(store.getLastHeartbeat()));
            }
            table.print(out);
            return CtlCommand.EXIT_OK;
        });
    }

    /** PD (and our scheduler) report the last heartbeat as Unix nanoseconds; 0 means none yet. */
    static String heartbeat(long unixNanos) {
        if (unixNanos <= 0) {
            return "-";
        }
        Instant at = Instant.ofEpochSecond(unixNanos / NANOS_PER_SECOND, unixNanos % NANOS_PER_SECOND);
        return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
