package io.tinykv.scheduler.dashboard;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.Coordinator;
import io.tinykv.scheduler.IdAllocator;
import io.tinykv.scheduler.Operator;
import io.tinykv.scheduler.RegionInfo;
import io.tinykv.scheduler.ReplicationHealth;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerPauses;
import io.tinykv.scheduler.StoreInfo;
import io.tinykv.scheduler.Tso;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster as the status page and {@code tinykv ctl} show it, built from the scheduler's state on
 * each call: plain numbers (bytes, milliseconds since the epoch) for scripts, keys both readable
 * ({@link KeyText}) and in hex. Names are snake_case in JSON.
 */
public final class DashboardViews {

    private final ClusterMeta cluster;
    private final Coordinator coordinator;
    private final Tso tso;
    private final IdAllocator ids;
    private final SchedulerConfig config;

    public DashboardViews(
            ClusterMeta cluster, Coordinator coordinator, Tso tso, IdAllocator ids, SchedulerConfig config) {
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.tso = tso;
        this.ids = ids;
        this.config = config;
    }

    /** One store; {@code state} is Up, Offline, Disconnected, Down or Tombstone. */
    public record StoreRow(
            long id,
            String address,
            String statusAddress,
            String version,
            String state,
            long capacityBytes,
            long availableBytes,
            long usedBytes,
            int regionCount,
            int leaderCount,
            int pendingPeerCount,
            long lastHeartbeatMillis,
            long heartbeatAgeMillis,
            boolean busy) {}

    public record Stores(int count, List<StoreRow> stores) {}

    public record PeerRow(long id, long storeId) {}

    /** One region; {@code leader} is null while no leader has reported it. */
    public record RegionRow(
            long id,
            String startKey,
            String endKey,
            String startKeyHex,
            String endKeyHex,
            long version,
            long confVer,
            List<PeerRow> peers,
            PeerRow leader,
            long approximateSizeBytes,
            long approximateKeys,
            List<Long> pendingPeers,
            List<Long> downPeers,
            String operator) {}

    /** One page of the regions that match a query, in key order. */
    public record RegionPage(int total, int matched, int offset, int limit, String query, List<RegionRow> regions) {}

    /** One operator: running (status RUNNING) or ended (finished, timed_out, dropped, replaced). */
    public record OperatorRow(
            long regionId,
            String kind,
            List<String> steps,
            int stepIndex,
            String reason,
            long createdAtMillis,
            String status,
            Long endedAtMillis) {}

    public record Operators(List<OperatorRow> running, List<OperatorRow> recent) {}

    public record TsoState(long physicalMillis, long logical, long persistedLimitMillis) {}

    public record IdState(long last, long reservedEnd) {}

    public record Pause(String name, boolean paused, Long pausedUntilMillis) {}

    public record Status(
            long clusterId,
            String clientKeyMode,
            int maxReplicas,
            int storeCount,
            int regionCount,
            TsoState tso,
            IdState ids,
            List<ReplicationHealth.UnderReplicated> underReplicated,
            List<Pause> pauses,
            long nowMillis) {}

    public Stores stores(long nowMillis) {
        Map<Long, int[]> counts = new HashMap<>();
        for (RegionInfo r : cluster.regions()) {
            long leaderPeer = r.leaderPeer().map(Metapb.Peer::getId).orElse(0L);
            for (Metapb.Peer p : r.region().getPeersList()) {
                int[] c = counts.computeIfAbsent(p.getStoreId(), k -> new int[3]);
                c[0]++;
                if (p.getId() == leaderPeer) {
                    c[1]++;
                }
                if (r.isPending(p.getId())) {
                    c[2]++;
                }
            }
        }
        List<StoreRow> rows = new ArrayList<>();
        for (StoreInfo s : cluster.stores()) {
            int[] c = counts.getOrDefault(s.id(), new int[3]);
            Pdpb.StoreStats st = s.stats();
            rows.add(new StoreRow(
                    s.id(),
                    s.store().getAddress(),
                    s.store().getStatusAddress(),
                    s.store().getVersion(),
                    stateName(s, nowMillis),
                    st.getCapacity(),
                    st.getAvailable(),
                    st.getUsedSize(),
                    c[0],
                    c[1],
                    c[2],
                    s.lastHeartbeatMillis(),
                    nowMillis - s.lastHeartbeatMillis(),
                    st.getIsBusy()));
        }
        return new Stores(rows.size(), rows);
    }

    /** The state as PD names it, from the administrative state and the time since the last heartbeat. */
    String stateName(StoreInfo s, long nowMillis) {
        String lower = cluster.storeStatus(s, nowMillis).name().toLowerCase(Locale.ROOT);
        return Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
    }

    public RegionPage regions(RegionQuery query) {
        List<RegionInfo> all = cluster.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 0);
        Map<Long, Operator> running = new HashMap<>();
        coordinator.runningOperators().forEach(op -> running.put(op.regionId(), op));
        List<RegionInfo> matched = all.stream().filter(query::matches).toList();
        int from = Math.min(query.offset(), matched.size());
        int to = Math.min(from + query.limit(), matched.size());
        List<RegionRow> rows = matched.subList(from, to).stream()
                .map(r -> row(r, Optional.ofNullable(running.get(r.id()))))
                .toList();
        return new RegionPage(all.size(), matched.size(), from, query.limit(), query.text(), rows);
    }

    public Optional<RegionRow> region(long regionId) {
        return cluster.regionById(regionId).map(r -> row(r, coordinator.operator(regionId)));
    }

    public Optional<RegionRow> regionByKey(ByteString rawKey) {
        return cluster.regionByKey(rawKey).map(r -> row(r, coordinator.operator(r.id())));
    }

    static RegionRow row(RegionInfo r, Optional<Operator> op) {
        Metapb.RegionEpoch e = r.epoch();
        return new RegionRow(
                r.id(),
                KeyText.show(r.startKey()),
                KeyText.show(r.endKey()),
                KeyText.hex(r.startKey()),
                KeyText.hex(r.endKey()),
                e.getVersion(),
                e.getConfVer(),
                r.region().getPeersList().stream()
                        .map(p -> new PeerRow(p.getId(), p.getStoreId()))
                        .toList(),
                r.leaderPeer().map(p -> new PeerRow(p.getId(), p.getStoreId())).orElse(null),
                r.approximateSizeBytes(),
                r.approximateKeys(),
                r.pendingPeers().stream().map(Metapb.Peer::getId).toList(),
                r.downPeers().stream().map(d -> d.getPeer().getId()).toList(),
                op.map(Operator::toString).orElse(null));
    }

    public Operators operators() {
        List<OperatorRow> running = coordinator.runningOperators().stream()
                .map(op -> operatorRow(op, "running", null))
                .toList();
        List<OperatorRow> recent = coordinator.recentOperators().stream()
                .map(e -> operatorRow(e.operator(), e.event(), e.endedAtMillis()))
                .toList();
        return new Operators(running, recent);
    }

    private static OperatorRow operatorRow(Operator op, String status, Long endedAtMillis) {
        return new OperatorRow(
                op.regionId(),
                op.kind(),
                op.steps().stream().map(s -> s.describe()).toList(),
                op.stepIndex(),
                op.reason(),
                op.createdAtMillis(),
                status,
                endedAtMillis);
    }

    public Status status(SchedulerPauses pauses, long nowMillis) {
        Tso.Timestamp last = tso.last();
        List<Pause> pauseRows = pauses.names().stream()
                .map(n -> {
                    var until = pauses.pausedUntilMillis(n);
                    return new Pause(n, until.isPresent(), until.isPresent() ? until.getAsLong() : null);
                })
                .toList();
        return new Status(
                cluster.clusterId(),
                config.clientKeyMode().name(),
                config.maxReplicas(),
                cluster.storeCount(),
                cluster.regionCount(),
                new TsoState(last.physicalMillis(), last.logical(), tso.persistedLimitMillis()),
                new IdState(ids.last(), ids.reservedEnd()),
                coordinator.underReplicated(nowMillis),
                pauseRows,
                nowMillis);
    }
}
