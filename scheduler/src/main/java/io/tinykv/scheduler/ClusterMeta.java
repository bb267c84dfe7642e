package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RegionEpochs;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster as the scheduler knows it: cluster id, bootstrapped flag, stores and regions, kept in
 * memory and persisted through a {@link MetaStore}. Region metadata comes from region heartbeats
 * under TinyKV's rules ({@link #regionHeartbeat}). All methods are synchronized: the state is small
 * and every change is a short critical section. Time comes in as a parameter.
 */
public final class ClusterMeta {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMeta.class);

    /** As PD does: creation time in seconds in the high bits, random bits below. */
    private static final int CLUSTER_ID_RANDOM_BITS = 32;

    private static final long MILLIS_PER_SECOND = 1_000;

    /** The outcome of a region heartbeat. */
    public enum HeartbeatOutcome {
        /** The region's record was created or updated (even with an unchanged epoch). */
        UPDATED,
        /** Ignored: an epoch older than what is known for this region or an overlapping one. */
        STALE
    }

    /** A store whose status changed since the last observation. */
    public record StoreStatusChange(long storeId, StoreStatus from, StoreStatus to) {}

    private final MetaStore meta;
    private final long clusterId;
    private final long disconnectMillis;
    private final long downMillis;
    private boolean bootstrapped;
    private final Map<Long, StoreInfo> stores = new TreeMap<>();
    private final Map<Long, StoreStatus> observedStatus = new HashMap<>();
    private final Map<Long, RegionInfo> regions = new HashMap<>();
    private final RegionTree tree = new RegionTree();

    private ClusterMeta(MetaStore meta, long clusterId, long disconnectMillis, long downMillis) {
        this.meta = meta;
        this.clusterId = clusterId;
        this.disconnectMillis = disconnectMillis;
        this.downMillis = downMillis;
    }

    /**
     * Loads the cluster from {@code meta}, choosing and persisting a cluster id on the first start.
     * Stores loaded count as heard from at {@code nowMillis}.
     */
    public static ClusterMeta load(
            MetaStore meta, long nowMillis, RandomGenerator random, long disconnectMillis, long downMillis) {
        long clusterId;
        var stored = meta.clusterId();
        if (stored.isPresent()) {
            clusterId = stored.getAsLong();
        } else {
            long seconds = nowMillis / MILLIS_PER_SECOND;
            clusterId =
                    (seconds << CLUSTER_ID_RANDOM_BITS) | (random.nextLong() >>> (Long.SIZE - CLUSTER_ID_RANDOM_BITS));
            meta.putClusterId(clusterId);
            LOG.info("new cluster id {}", clusterId);
        }
        ClusterMeta cluster = new ClusterMeta(meta, clusterId, disconnectMillis, downMillis);
        cluster.bootstrapped = meta.isBootstrapped();
        for (Metapb.Store s : meta.loadStores()) {
            cluster.stores.put(s.getId(), new StoreInfo(s, Pdpb.StoreStats.getDefaultInstance(), nowMillis));
        }
        for (Metapb.Region r : meta.loadRegions()) {
            // Leaders are not persisted; a one-peer region's only peer is its leader.
            RegionInfo info = RegionInfo.of(r, r.getPeersCount() == 1 ? r.getPeers(0) : null);
            List<RegionInfo> overlapped = cluster.tree.put(info);
            if (!overlapped.isEmpty()) {
                throw new IllegalStateException("corrupt scheduler metadata in " + meta.dir() + ": region " + r.getId()
                        + " overlaps region " + overlapped.get(0).id());
            }
            cluster.regions.put(r.getId(), info);
        }
        LOG.info(
                "cluster {}: {}, {} stores, {} regions",
                clusterId,
                cluster.bootstrapped ? "bootstrapped" : "not bootstrapped",
                cluster.stores.size(),
                cluster.regions.size());
        return cluster;
    }

    public long clusterId() {
        return clusterId;
    }

    public synchronized boolean isBootstrapped() {
        return bootstrapped;
    }

    /**
     * Bootstraps the cluster with its first store and first region: one region over all keys with
     * one peer, on that store.
     *
     * @throws SchedulerException ALREADY_BOOTSTRAPPED, or UNKNOWN naming what is wrong with the request
     */
    public synchronized void bootstrap(Metapb.Store store, Metapb.Region region, long nowMillis) {
        if (bootstrapped) {
            throw new SchedulerException(
                    Pdpb.ErrorType.ALREADY_BOOTSTRAPPED, "cluster " + clusterId + " is already bootstrapped");
        }
        checkStore(store, "bootstrap");
        if (region.getId() == 0) {
            throw SchedulerException.invalid("bootstrap: the region id must not be 0");
        }
        if (!region.getStartKey().isEmpty() || !region.getEndKey().isEmpty()) {
            throw SchedulerException.invalid("bootstrap: the first region must cover all keys (got ["
                    + Keys.hex(region.getStartKey()) + ", " + Keys.hex(region.getEndKey()) + "))");
        }
        if (region.getPeersCount() != 1
                || region.getPeers(0).getStoreId() != store.getId()
                || region.getPeers(0).getId() == 0) {
            throw SchedulerException.invalid("bootstrap: the first region must have exactly one peer, with a "
                    + "non-zero id, on store " + store.getId() + " (got " + region.getPeersList() + ")");
        }
        Metapb.Store up = store.toBuilder().setState(Metapb.StoreState.Up).build();
        meta.bootstrap(up, region);
        bootstrapped = true;
        stores.put(up.getId(), new StoreInfo(up, Pdpb.StoreStats.getDefaultInstance(), nowMillis));
        RegionInfo info = RegionInfo.of(region, region.getPeers(0));
        tree.put(info);
        regions.put(region.getId(), info);
        LOG.info(
                "cluster {} bootstrapped by store {} at {} with region {}",
                clusterId,
                up.getId(),
                up.getAddress(),
                region.getId());
    }

    /**
     * Adds or updates a store.
     *
     * @throws SchedulerException NOT_BOOTSTRAPPED, STORE_TOMBSTONE, or UNKNOWN for a bad store
     */
    public synchronized void putStore(Metapb.Store store, long nowMillis) {
        requireBootstrapped();
        checkStore(store, "put store");
        StoreInfo existing = stores.get(store.getId());
        if (existing != null && existing.store().getState() == Metapb.StoreState.Tombstone) {
            throw new SchedulerException(
                    Pdpb.ErrorType.STORE_TOMBSTONE, "store " + store.getId() + " is a tombstone; it cannot come back");
        }
        for (StoreInfo other : stores.values()) {
            if (other.id() != store.getId()
                    && other.store().getAddress().equals(store.getAddress())
                    && other.store().getState() != Metapb.StoreState.Tombstone) {
                throw SchedulerException.invalid("duplicated store address: store " + store.getId() + " asks for "
                        + store.getAddress() + ", already used by store " + other.id());
            }
        }
        // A store's administrative state is the scheduler's to decide; a store cannot revive itself.
        Metapb.StoreState state =
                existing == null ? Metapb.StoreState.Up : existing.store().getState();
        Metapb.Store stored = store.toBuilder().setState(state).build();
        meta.putStore(stored);
        if (existing == null) {
            stores.put(stored.getId(), new StoreInfo(stored, Pdpb.StoreStats.getDefaultInstance(), nowMillis));
            LOG.info("store {} added at {}", stored.getId(), stored.getAddress());
        } else {
            stores.put(stored.getId(), new StoreInfo(stored, existing.stats(), nowMillis));
            if (!existing.store().getAddress().equals(stored.getAddress())) {
                LOG.info(
                        "store {} moved from {} to {}",
                        stored.getId(),
                        existing.store().getAddress(),
                        stored.getAddress());
            }
        }
    }

    /**
     * Records a store heartbeat.
     *
     * @throws SchedulerException NOT_BOOTSTRAPPED, UNKNOWN for an unknown store, STORE_TOMBSTONE
     */
    public synchronized void storeHeartbeat(Pdpb.StoreStats stats, long nowMillis) {
        requireBootstrapped();
        StoreInfo existing = requireStore(stats.getStoreId());
        if (existing.store().getState() == Metapb.StoreState.Tombstone) {
            throw new SchedulerException(
                    Pdpb.ErrorType.STORE_TOMBSTONE, "store " + stats.getStoreId() + " is a tombstone");
        }
        stores.put(existing.id(), new StoreInfo(existing.store(), stats, nowMillis));
        observe(existing.id(), nowMillis);
    }

    /**
     * Sets a store's administrative state (Up, Offline or Tombstone), persisted; the caller checked
     * that the change is allowed. The store's last heartbeat and stats are kept.
     *
     * @throws SchedulerException UNKNOWN naming the store when it is not known
     */
    public synchronized void setStoreState(long storeId, Metapb.StoreState state, long nowMillis) {
        StoreInfo existing = requireStore(storeId);
        Metapb.Store stored = existing.store().toBuilder().setState(state).build();
        meta.putStore(stored);
        stores.put(storeId, new StoreInfo(stored, existing.stats(), existing.lastHeartbeatMillis()));
        LOG.info(
                "store {} at {} is now {} (was {})",
                storeId,
                stored.getAddress(),
                state,
                existing.store().getState());
        observe(storeId, nowMillis);
    }

    /**
     * Forgets a tombstone store for good (PD's remove-tombstone), so that its address may be used by
     * a new store.
     *
     * @throws SchedulerException UNKNOWN when the store is not known or not a tombstone
     */
    public synchronized void removeTombstone(long storeId) {
        StoreInfo existing = requireStore(storeId);
        if (existing.store().getState() != Metapb.StoreState.Tombstone) {
            throw SchedulerException.invalid(
                    "store " + storeId + " is " + existing.store().getState() + ", not a tombstone");
        }
        meta.deleteStore(storeId);
        stores.remove(storeId);
        observedStatus.remove(storeId);
        LOG.info("tombstone store {} at {} removed", storeId, existing.store().getAddress());
    }

    public synchronized Optional<StoreInfo> store(long storeId) {
        return Optional.ofNullable(stores.get(storeId));
    }

    /**
     * @throws SchedulerException UNKNOWN naming the store when it is not known
     */
    public synchronized StoreInfo requireStore(long storeId) {
        StoreInfo info = stores.get(storeId);
        if (info == null) {
            throw SchedulerException.invalid("invalid store ID " + storeId + ", not found");
        }
        return info;
    }

    public synchronized List<StoreInfo> stores() {
        return List.copyOf(stores.values());
    }

    public synchronized int storeCount() {
        return stores.size();
    }

    public synchronized StoreStatus storeStatus(StoreInfo store, long nowMillis) {
        return store.status(nowMillis, disconnectMillis, downMillis);
    }

    /** Re-evaluates every store's status and logs and returns the changes since the last call. */
    public synchronized List<StoreStatusChange> observeStoreStatuses(long nowMillis) {
        List<StoreStatusChange> changes = new ArrayList<>();
        for (long id : stores.keySet()) {
            observe(id, nowMillis).ifPresent(changes::add);
        }
        return changes;
    }

    private Optional<StoreStatusChange> observe(long storeId, long nowMillis) {
        StoreInfo info = stores.get(storeId);
        StoreStatus now = info.status(nowMillis, disconnectMillis, downMillis);
        StoreStatus before = observedStatus.put(storeId, now);
        if (before == null || before == now) {
            return Optional.empty();
        }
        LOG.info(
                "store {} at {} is {} (was {}; last heartbeat {} ms ago)",
                storeId,
                info.store().getAddress(),
                now,
                before,
                nowMillis - info.lastHeartbeatMillis());
        return Optional.of(new StoreStatusChange(storeId, before, now));
    }

    /**
     * Applies a region heartbeat under TinyKV's rules: a heartbeat whose epoch has a smaller version
     * or conf version than what is known for the same region is stale; so is one whose version is
     * smaller than that of a different region it overlaps (only versions compare across regions:
     * they order splits and merges, while a conf version counts one region's own membership
     * changes). Otherwise the region is recorded — even with an unchanged epoch, since leader,
     * peers, pending and down peers and size change without it — and the regions it overlaps are
     * removed.
     *
     * @throws SchedulerException NOT_BOOTSTRAPPED, or UNKNOWN for a malformed heartbeat
     */
    public synchronized HeartbeatOutcome regionHeartbeat(RegionInfo heartbeat) {
        requireBootstrapped();
        checkRegion(heartbeat);
        RegionInfo origin = regions.get(heartbeat.id());
        if (origin != null && RegionEpochs.isStale(heartbeat.epoch(), origin.epoch())) {
            LOG.debug(
                    "stale heartbeat for region {}: epoch {} older than known {}",
                    heartbeat.id(),
                    epochText(heartbeat.epoch()),
                    epochText(origin.epoch()));
            return HeartbeatOutcome.STALE;
        }
        List<RegionInfo> overlapped = tree.overlapping(heartbeat.startKey(), heartbeat.endKey()).stream()
                .filter(other -> other.id() != heartbeat.id())
                .toList();
        for (RegionInfo other : overlapped) {
            if (heartbeat.epoch().getVersion() < other.epoch().getVersion()) {
                LOG.debug(
                        "stale heartbeat for region {}: version {} older than overlapping region {} at {}",
                        heartbeat.id(),
                        heartbeat.epoch().getVersion(),
                        other.id(),
                        other.epoch().getVersion());
                return HeartbeatOutcome.STALE;
            }
        }
        List<Long> removedIds = overlapped.stream().map(RegionInfo::id).toList();
        // Disk first: when the write fails, memory still matches what a restart would load.
        if (origin == null || !origin.region().equals(heartbeat.region()) || !removedIds.isEmpty()) {
            meta.putRegion(heartbeat.region(), removedIds);
        }
        if (origin != null) {
            tree.remove(origin);
        }
        List<RegionInfo> replaced = tree.put(heartbeat);
        if (!replaced.equals(overlapped)) {
            throw new IllegalStateException("region tree out of step with the region map: region " + heartbeat.id()
                    + " replaced " + replaced + ", expected " + overlapped);
        }
        for (RegionInfo gone : overlapped) {
            regions.remove(gone.id());
            LOG.info(
                    "region {} removed: overlapped by region {} {}",
                    gone.id(),
                    heartbeat.id(),
                    epochText(heartbeat.epoch()));
        }
        regions.put(heartbeat.id(), heartbeat);
        logChanges(origin, heartbeat);
        return HeartbeatOutcome.UPDATED;
    }

    private static void logChanges(RegionInfo origin, RegionInfo now) {
        if (origin == null) {
            LOG.info(
                    "region {} added: [{}, {}) {} peers {} leader {}",
                    now.id(),
                    Keys.hex(now.startKey()),
                    Keys.hex(now.endKey()),
                    epochText(now.epoch()),
                    peersText(now.region()),
                    now.leader() == null ? "unknown" : "store " + now.leader().getStoreId());
            return;
        }
        if (!origin.epoch().equals(now.epoch())) {
            LOG.info(
                    "region {} epoch {} -> {}: [{}, {}) peers {}",
                    now.id(),
                    epochText(origin.epoch()),
                    epochText(now.epoch()),
                    Keys.hex(now.startKey()),
                    Keys.hex(now.endKey()),
                    peersText(now.region()));
        }
        long before = origin.leader() == null ? 0 : origin.leader().getStoreId();
        long after = now.leader() == null ? 0 : now.leader().getStoreId();
        if (before != after && after != 0) {
            LOG.info(
                    "region {} leader changed: store {} -> store {} (term {})",
                    now.id(),
                    before == 0 ? "unknown" : before,
                    after,
                    now.term());
        }
    }

    public synchronized Optional<RegionInfo> regionById(long regionId) {
        return Optional.ofNullable(regions.get(regionId));
    }

    public synchronized Optional<RegionInfo> regionByKey(ByteString key) {
        return tree.find(key);
    }

    public synchronized Optional<RegionInfo> prevRegion(ByteString key) {
        return tree.prev(key);
    }

    public synchronized List<RegionInfo> scanRegions(ByteString start, ByteString end, int limit) {
        return tree.scan(start, end, limit);
    }

    public synchronized List<RegionInfo> regions() {
        return List.copyOf(regions.values());
    }

    public synchronized int regionCount() {
        return regions.size();
    }

    /** How many regions have a peer on each store. */
    public synchronized Map<Long, Integer> regionCountsByStore() {
        Map<Long, Integer> counts = new HashMap<>();
        for (long id : stores.keySet()) {
            counts.put(id, 0);
        }
        for (RegionInfo r : regions.values()) {
            for (Metapb.Peer p : r.region().getPeersList()) {
                counts.merge(p.getStoreId(), 1, Integer::sum);
            }
        }
        return counts;
    }

    private void requireBootstrapped() {
        if (!bootstrapped) {
            throw SchedulerException.notBootstrapped(clusterId);
        }
    }

    private static void checkStore(Metapb.Store store, String what) {
        if (store.getId() == 0) {
            throw SchedulerException.invalid(what + ": the store id must not be 0");
        }
        if (store.getAddress().isBlank()) {
            throw SchedulerException.invalid(what + ": store " + store.getId() + " has no address");
        }
    }

    private static void checkRegion(RegionInfo info) {
        Metapb.Region r = info.region();
        if (r.getId() == 0) {
            throw SchedulerException.invalid("region heartbeat without a region id");
        }
        if (!r.hasRegionEpoch()) {
            throw SchedulerException.invalid("region heartbeat for region " + r.getId() + " without an epoch");
        }
        if (r.getPeersCount() == 0) {
            throw SchedulerException.invalid("region heartbeat for region " + r.getId() + " without peers");
        }
        if (!r.getEndKey().isEmpty() && Keys.compare(r.getStartKey(), r.getEndKey()) >= 0) {
            throw SchedulerException.invalid("region heartbeat for region " + r.getId() + " with an empty range ["
                    + Keys.hex(r.getStartKey()) + ", " + Keys.hex(r.getEndKey()) + ")");
        }
        if (info.leader() != null && !info.hasPeer(info.leader().getId())) {
            throw SchedulerException.invalid("region heartbeat for region " + r.getId() + ": leader peer "
                    + info.leader().getId() + " is not one of its peers " + peersText(r));
        }
    }

    static String epochText(Metapb.RegionEpoch epoch) {
        return "(version " + epoch.getVersion() + ", conf_ver " + epoch.getConfVer() + ")";
    }

    static String peersText(Metapb.Region region) {
        StringBuilder b = new StringBuilder("[");
        for (Metapb.Peer p : region.getPeersList()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(p.getId()).append("@store ").append(p.getStoreId());
        }
        return b.append(']').toString();
    }
}
