package io.tinykv.scheduler.http;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.RegionInfo;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.StoreInfo;
import io.tinykv.scheduler.StoreStatus;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The scheduler's state as PD's HTTP API shows it: stores, regions, members, cluster and
 * configuration, built from the {@link ClusterMeta} on each call. One implementation for every
 * reader of this JSON (the PD routes on the client port, a status page, {@code tinykv ctl}).
 */
public final class PdViews {

    private final ClusterMeta cluster;
    private final SchedulerConfig config;
    private final Supplier<Pdpb.Member> member;
    private final String version;

    /**
     * @param member this scheduler as a PD member (known once the port is bound)
     * @param version the version clients see, e.g. {@code v6.5.0}
     */
    public PdViews(ClusterMeta cluster, SchedulerConfig config, Supplier<Pdpb.Member> member, String version) {
        this.cluster = cluster;
        this.config = config;
        this.member = member;
        this.version = version;
    }

    /** {@code {"count", "stores"}}. Tombstones are left out, as PD does by default. */
    public record Stores(int count, List<StoreView> stores) {}

    /** {@code {"count", "regions"}}, regions in key order. */
    public record Regions(int count, List<RegionView> regions) {}

    public record Version(String version) {}

    /** {@code metapb.Cluster}. */
    public record Cluster(long id, int maxPeerCount) {}

    public Stores stores(long nowMillis) {
        Map<Long, StoreView.Load> loads = loads(cluster.regions());
        List<StoreView> views = cluster.stores().stream()
                .filter(s -> s.store().getState() != Metapb.StoreState.Tombstone)
                .map(s -> view(s, loads, nowMillis))
                .toList();
        return new Stores(views.size(), views);
    }

    public Optional<StoreView> store(long storeId, long nowMillis) {
        return cluster.store(storeId).map(s -> view(s, loads(cluster.regions()), nowMillis));
    }

    public Regions regions() {
        List<RegionView> views = cluster.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 0).stream()
                .map(r -> RegionView.of(r, config.clientKeyMode()))
                .toList();
        return new Regions(views.size(), views);
    }

    public Optional<RegionView> region(long regionId) {
        return cluster.regionById(regionId).map(r -> RegionView.of(r, config.clientKeyMode()));
    }

    /**
     * The region holding {@code clientKey}, a key as clients name it (memcomparable-encoded in TXN
     * key mode).
     *
     * @throws IllegalArgumentException when the key is not a valid encoding in TXN key mode
     */
    public Optional<RegionView> regionByKey(ByteString clientKey) {
        ByteString raw = config.clientKeyMode().fromClient(clientKey);
        return cluster.regionByKey(raw).map(r -> RegionView.of(r, config.clientKeyMode()));
    }

    public Version version() {
        return new Version(version);
    }

    public Cluster clusterInfo() {
        return new Cluster(cluster.clusterId(), config.maxReplicas());
    }

    public MemberView.Members members() {
        MemberView self = MemberView.of(self());
        return new MemberView.Members(new MemberView.Header(cluster.clusterId()), List.of(self), self, self);
    }

    /** The scheduler answering is healthy by definition; it is the only member. */
    public List<MemberView.Health> health() {
        Pdpb.Member m = self();
        return List.of(new MemberView.Health(m.getName(), m.getMemberId(), m.getClientUrlsList(), true));
    }

    /**
     * The effective configuration under PD's names where PD has the setting ({@code schedule},
     * {@code replication}), and TinyKV's own settings under {@code tinykv}, with the names of the
     * {@code tinykv scheduler} options.
     */
    public Map<String, Object> config() {
        Pdpb.Member m = self();
        String clientUrl = String.join(",", m.getClientUrlsList());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.getName());
        out.put("data-dir", config.dataDir().toAbsolutePath().toString());
        out.put("client-urls", "http://" + config.listenAddress());
        out.put("advertise-client-urls", clientUrl);
        out.put("cluster-version", version);
        Map<String, Object> schedule = new LinkedHashMap<>();
        schedule.put("max-store-down-time", GoText.duration(config.maxStoreDownTime()));
        // PD's names where PD has the same setting.
        schedule.put("leader-schedule-limit", config.schedule().leaderScheduleLimit());
        schedule.put("region-schedule-limit", config.schedule().regionScheduleLimit());
        out.put("schedule", schedule);
        Map<String, Object> replication = new LinkedHashMap<>();
        replication.put("max-replicas", config.maxReplicas());
        replication.put("location-labels", "");
        // PD writes these booleans as strings.
        replication.put("strictly-match-label", "false");
        replication.put("enable-placement-rules", "false");
        out.put("replication", replication);
        Map<String, Object> own = new LinkedHashMap<>();
        own.put("client-key-mode", config.clientKeyMode().name().toLowerCase(Locale.ROOT));
        own.put("store-disconnect-time", GoText.duration(config.storeDisconnectTime()));
        own.put("store-status-check-interval", GoText.duration(config.storeStatusCheckInterval()));
        own.put("operator-timeout", GoText.duration(config.operatorTimeout()));
        own.put("leader-operator-timeout", GoText.duration(config.leaderOperatorTimeout()));
        own.put("balance-interval", GoText.duration(config.schedule().balanceInterval()));
        own.put("leader-tolerance", config.schedule().leaderTolerance());
        own.put("region-tolerance-ratio", config.schedule().regionToleranceRatio());
        own.put("scatter-split-regions", config.schedule().scatterSplitRegions());
        own.put("scatter-memory", GoText.duration(config.schedule().scatterMemory()));
        own.put("patrol-region-batch", config.schedule().patrolRegionBatch());
        own.put("tso-save-window", GoText.duration(config.tsoSaveWindow()));
        own.put("id-batch-size", config.idBatchSize());
        out.put("tinykv", own);
        return out;
    }

    private Pdpb.Member self() {
        Pdpb.Member m = member.get();
        if (m == null) {
            throw new IllegalStateException("the scheduler is still starting");
        }
        return m;
    }

    private StoreView view(StoreInfo store, Map<Long, StoreView.Load> loads, long nowMillis) {
        StoreStatus status = cluster.storeStatus(store, nowMillis);
        return StoreView.of(store, status, loads.getOrDefault(store.id(), StoreView.Load.NONE), nowMillis);
    }

    private static Map<Long, StoreView.Load> loads(List<RegionInfo> regions) {
        Map<Long, StoreView.Load> loads = new HashMap<>();
        for (RegionInfo r : regions) {
            long sizeMib = RegionView.sizeMib(r.approximateSizeBytes());
            long leaderPeer = r.leaderPeer().map(Metapb.Peer::getId).orElse(0L);
            for (Metapb.Peer p : r.region().getPeersList()) {
                loads.merge(
                        p.getStoreId(),
                        StoreView.Load.NONE.plusPeer(p.getId() == leaderPeer, r.isPending(p.getId()), sizeMib),
                        PdViews::sum);
            }
        }
        return loads;
    }

    private static StoreView.Load sum(StoreView.Load a, StoreView.Load b) {
        return new StoreView.Load(
                a.leaderCount() + b.leaderCount(),
                a.leaderSizeMib() + b.leaderSizeMib(),
                a.regionCount() + b.regionCount(),
                a.regionSizeMib() + b.regionSizeMib(),
                a.pendingPeerCount() + b.pendingPeerCount());
    }
}
