package io.tinykv.scheduler.dashboard;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.Coordinator;
import io.tinykv.scheduler.Operator;
import io.tinykv.scheduler.OperatorStep;
import io.tinykv.scheduler.RegionInfo;
import io.tinykv.scheduler.SchedulerPauses;
import io.tinykv.scheduler.StoreInfo;
import io.tinykv.scheduler.StoreStatus;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The operations an operator of the cluster asks for ({@code tinykv ctl}, the JSON API): move a
 * region's leader, add or remove a peer, split at a key, scatter, take a store offline (and back),
 * remove a tombstone, pause or resume a checker or scheduler. Each checks its preconditions against
 * the scheduler's current view and throws a {@link Refusal} saying why it will not; an accepted
 * region operation becomes an {@link Operator} that is sent to the region's leader at once (and again each round until done).
 *
 * <p>Never under-replicated: a peer is removed only while the region keeps {@code max-replicas}
 * peers, and a store goes offline only when enough other stores are up to take its replicas (which
 * the replica checker then moves one add-then-remove at a time).
 */
public final class ClusterOps {

    /** What an accepted operation did, in words, and the operator it created, if any. */
    public record Done(String message, String operator) {}

    private final ClusterMeta cluster;
    private final Coordinator coordinator;
    private final LongSupplier newPeerId;
    private final SchedulerPauses pauses;
    private final int maxReplicas;
    private final LongSupplier clockMillis;

    /** @param newPeerId the scheduler's id allocator: a fresh id for each added peer */
    public ClusterOps(
            ClusterMeta cluster,
            Coordinator coordinator,
            LongSupplier newPeerId,
            SchedulerPauses pauses,
            int maxReplicas,
            LongSupplier clockMillis) {
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.newPeerId = newPeerId;
        this.pauses = pauses;
        this.maxReplicas = maxReplicas;
        this.clockMillis = clockMillis;
    }

    public Done transferLeader(long regionId, long toStoreId) {
        long now = clockMillis.getAsLong();
        RegionInfo region = ledRegion(regionId);
        Metapb.Peer target = region.peerOnStore(toStoreId)
                .orElseThrow(() -> Refusal.conflict("region " + regionId
                        + " has no peer on store " + toStoreId + "; its peers are on stores " + storesOf(region)
                        + " (add one first: operator add-peer)"));
        if (region.leader().getId() == target.getId()) {
            throw Refusal.conflict("store " + toStoreId + " already leads region " + regionId);
        }
        if (RegionInfo.isLearner(target)) {
            throw Refusal.conflict("peer " + target.getId() + " of region " + regionId + " on store " + toStoreId
                    + " is a learner, which cannot lead; it is promoted once it has caught up");
        }
        requireUp(toStoreId, now, "lead region " + regionId);
        if (region.isPending(target.getId()) || region.downSeconds(target.getId()) > 0) {
            throw Refusal.conflict("peer " + target.getId() + " of region " + regionId + " on store " + toStoreId
                    + " is " + (region.isPending(target.getId()) ? "still catching up" : "reported down")
                    + "; try again once it has caught up");
        }
        return submit(region, new OperatorStep.TransferLeader(target), "asked for: transfer leader", now);
    }

    public Done addPeer(long regionId, long storeId) {
        long now = clockMillis.getAsLong();
        RegionInfo region = ledRegion(regionId);
        if (region.peerOnStore(storeId).isPresent()) {
            throw Refusal.conflict("region " + regionId + " already has a peer on store " + storeId);
        }
        StoreInfo store = requireUp(storeId, now, "take a peer of region " + regionId);
        if (store.lowOnSpace()) {
            throw Refusal.conflict("store " + storeId + " is low on disk space; a new peer would fill it further");
        }
        Metapb.Peer peer = Metapb.Peer.newBuilder()
                .setId(newPeerId.getAsLong())
                .setStoreId(storeId)
                .build();
        // As a learner first, promoted once caught up: the region's quorum never waits for its snapshot.
        Done done = submit(new Operator(
                region.id(), "add_peer", OperatorStep.addVoter(peer), 0, region.epoch(), "asked for: add peer", now));
        if (region.region().getPeersCount() + 1 > maxReplicas) {
            return new Done(
                    done.message() + "; the region will have "
                            + (region.region().getPeersCount() + 1)
                            + " peers, more than max-replicas " + maxReplicas + ": the replica checker removes one "
                            + "(remove the one you want gone: operator remove-peer)",
                    done.operator());
        }
        return done;
    }

    public Done removePeer(long regionId, long storeId) {
        long now = clockMillis.getAsLong();
        RegionInfo region = ledRegion(regionId);
        Metapb.Peer peer = region.peerOnStore(storeId)
                .orElseThrow(() -> Refusal.conflict("region " + regionId + " has no peer on store " + storeId
                        + "; its peers are on stores " + storesOf(region)));
        // A learner is no replica yet: removing it leaves the voters as they are.
        int left = region.voters().size() - (RegionInfo.isLearner(peer) ? 0 : 1);
        if (left < maxReplicas) {
            throw Refusal.conflict("region " + regionId + " has "
                    + region.voters().size()
                    + " voters and max-replicas is " + maxReplicas + ": removing one would leave it under-replicated;"
                    + " add a peer elsewhere first (operator add-peer), or take store " + storeId
                    + " offline to move all its replicas away");
        }
        return submit(region, new OperatorStep.RemovePeer(peer), "asked for: remove peer", now);
    }

    /** @param rawKey where the new region starts: a key as stored (region boundaries are raw keys) */
    public Done split(ByteString rawKey) {
        long now = clockMillis.getAsLong();
        if (rawKey.isEmpty()) {
            throw new IllegalArgumentException("the empty key starts the key space: a region cannot be split there");
        }
        RegionInfo region = cluster.regionByKey(rawKey)
                .orElseThrow(() -> Refusal.notFound("no region holds key " + KeyText.show(rawKey)));
        if (region.startKey().equals(rawKey)) {
            throw Refusal.conflict("region " + region.id() + " already starts at " + KeyText.show(rawKey));
        }
        requireLeader(region);
        return submit(region, new OperatorStep.SplitRegion(rawKey), "asked for: split", now);
    }

    public Done scatter(long regionId) {
        long now = clockMillis.getAsLong();
        RegionInfo region = ledRegion(regionId);
        Optional<Operator> op = coordinator.scatterRegion(region.id(), now);
        return op.map(o -> new Done("region " + regionId + ": " + o, o.toString()))
                .orElseGet(
                        () -> new Done("region " + regionId + " is already placed as a scatter would place it", null));
    }

    /**
     * Starts draining a store: its replicas move to other stores, then it becomes a tombstone.
     * Refused when the other up stores could not hold {@code max-replicas} of every region.
     */
    public Done storeOffline(long storeId) {
        long now = clockMillis.getAsLong();
        StoreInfo store = requireStore(storeId);
        switch (store.store().getState()) {
            case Offline -> {
                return new Done("store " + storeId + " is already offline; its replicas are moving away", null);
            }
            case Tombstone -> throw Refusal.conflict("store " + storeId + " is a tombstone already");
            default -> {}
        }
        List<Long> others = cluster.stores().stream()
                .filter(s -> s.id() != storeId && cluster.storeStatus(s, now) == StoreStatus.UP)
                .map(StoreInfo::id)
                .toList();
        if (others.size() < maxReplicas) {
            throw Refusal.conflict("taking store " + storeId + " offline would leave " + others.size()
                    + " store(s) up " + others + " for max-replicas " + maxReplicas
                    + ": its replicas would have nowhere to go; start another store first");
        }
        cluster.setStoreState(storeId, Metapb.StoreState.Offline, now);
        int peers = cluster.regionCountsByStore().getOrDefault(storeId, 0);
        return new Done(
                "store " + storeId + " is offline: its " + peers + " replica(s) move to other stores, "
                        + "then it becomes a tombstone",
                null);
    }

    /** Cancels an offline that has not finished: the store takes replicas again. */
    public Done storeUp(long storeId) {
        long now = clockMillis.getAsLong();
        StoreInfo store = requireStore(storeId);
        switch (store.store().getState()) {
            case Tombstone ->
                throw Refusal.conflict("store " + storeId + " is a tombstone and cannot come back;"
                        + " start it with an empty --data-dir to join as a new store");
            case Offline -> {
                cluster.setStoreState(storeId, Metapb.StoreState.Up, now);
                return new Done("store " + storeId + " is up again and may take replicas", null);
            }
            default -> {
                return new Done("store " + storeId + " is already up", null);
            }
        }
    }

    public Done removeTombstone(long storeId) {
        StoreInfo store = requireStore(storeId);
        if (store.store().getState() != Metapb.StoreState.Tombstone) {
            throw Refusal.conflict("store " + storeId + " is " + store.store().getState()
                    + ", not a tombstone; take it offline first (store offline " + storeId + ")");
        }
        cluster.removeTombstone(storeId);
        return new Done("tombstone store " + storeId + " removed", null);
    }

    /** @param duration zero resumes */
    public Done pause(String name, Duration duration) {
        pauses.pause(name, duration);
        return new Done(
                duration.isZero() ? name + " resumed" : name + " paused for " + duration.toSeconds() + " s", null);
    }

    private Done submit(RegionInfo region, OperatorStep step, String reason, long now) {
        return submit(Operator.single(region, step, reason, now));
    }

    private Done submit(Operator op) {
        Optional<Operator> running = coordinator.submit(op);
        if (running.isPresent()) {
            throw Refusal.conflict("region " + op.regionId() + " already has an operator: " + running.get()
                    + "; try again once it has finished");
        }
        return new Done("created " + op + "; it is sent to the region's leader now", op.toString());
    }

    private RegionInfo ledRegion(long regionId) {
        RegionInfo region =
                cluster.regionById(regionId).orElseThrow(() -> Refusal.notFound("region " + regionId + " not found"));
        requireLeader(region);
        return region;
    }

    private static void requireLeader(RegionInfo region) {
        if (region.leader() == null) {
            throw Refusal.conflict(
                    "region " + region.id() + " has no known leader yet; try again once it has" + " sent a heartbeat");
        }
    }

    private StoreInfo requireStore(long storeId) {
        return cluster.store(storeId).orElseThrow(() -> Refusal.notFound("store " + storeId + " not found"));
    }

    private StoreInfo requireUp(long storeId, long now, String what) {
        StoreInfo store = requireStore(storeId);
        StoreStatus status = cluster.storeStatus(store, now);
        if (status != StoreStatus.UP) {
            throw Refusal.conflict("store " + storeId + " is " + status.name().toLowerCase(java.util.Locale.ROOT)
                    + ": it cannot " + what);
        }
        return store;
    }

    private static List<Long> storesOf(RegionInfo region) {
        return region.region().getPeersList().stream()
                .map(Metapb.Peer::getStoreId)
                .sorted()
                .toList();
    }
}
