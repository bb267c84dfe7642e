package io.tinykv.raftstore.pd;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.raft.ProgressView;
import io.tinykv.raft.StateRole;
import io.tinykv.raft.Status;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.split.RegionSizeEstimator;
import io.tinykv.raftstore.split.SplitChecker;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's region heartbeats to the scheduler. While the peer leads, it heartbeats when something
 * the scheduler needs has changed, and otherwise only every {@link
 * RaftstoreConfig#regionHeartbeatIntervalMs} (a minute by default, TiKV's {@code
 * pd-heartbeat-tick-interval}): a store of a thousand idle regions must not keep the scheduler and
 * itself busy with news of nothing, and the scheduler pushes its operators to the leader without
 * waiting for a heartbeat. It sends one at once when it becomes leader or applies a membership
 * change or a split, so the scheduler learns a new leader or region without waiting. Every {@link
 * RaftstoreConfig#regionHeartbeatTicks} it checks, cheaply, whether the region differs from what it
 * last reported — epoch, the pending peers, the down peers, the approximate size or keys by more
 * than {@code 1/}{@link #SIZE_CHANGE_DIVISOR} — and heartbeats if so; it also heartbeats at the
 * first check after the store reconnected to the scheduler (which may have restarted knowing no
 * leader). It also sends one at once when
 * a peer it last reported pending has caught up: a new leader reports every follower pending (it
 * has not heard from them yet), and the scheduler refuses to move a leader to a pending peer or to
 * promote a pending learner, so a stale "pending" would hold both up (TiKV heartbeats when a new
 * peer catches up for the same reason).
 *
 * <p>It also keeps what a heartbeat reports and Raft does not: when the peer last heard from each
 * other peer (in the peer's own ticks), for the down peers, and the region's approximate size.
 * Owned by the peer's Raft thread.
 *
 * <p><b>Approximate size and keys</b> are a cheap estimate: every {@link #SIZE_SCAN_EVERY_HEARTBEATS}
 * checks (and at the first heartbeat as leader) the leader asks for a scan of its region's
 * range, run off the Raft thread, whose result arrives in the mailbox later (and is heartbeated at
 * the next check if it moved noticeably); heartbeats carry the
 * latest result (zero before the first one). Between scans the figures go stale by whatever was
 * written meanwhile. See {@link RegionSizeEstimator} for what is counted. A region that applied
 * nothing since its last finished scan (same applied index, same epoch version) is not scanned
 * again: its figures still stand, and a store of many idle regions spends nothing on them (as the
 * {@link SplitChecker} does for regions within the split thresholds).
 */
public final class RegionHeartbeats {

    private static final Logger LOG = LoggerFactory.getLogger(RegionHeartbeats.class);

    /** A region scan for the approximate size every this many checks. */
    static final int SIZE_SCAN_EVERY_HEARTBEATS = 6;
    /** A scan unanswered after this many checks failed (the estimator says nothing then). */
    static final int SIZE_SCAN_TIMEOUT_HEARTBEATS = 2 * SIZE_SCAN_EVERY_HEARTBEATS;

    private static final long MILLIS_PER_SECOND = 1000;
    /**
     * A size or key count that moved by more than 1/8 of what was last reported is news: the
     * balance-region scheduler weighs stores by their regions' sizes with a tolerance of a few
     * percent of a store, so a region's drift below an eighth of itself does not change a decision,
     * while a region filling up (toward a split) is reported as it grows.
     */
    static final int SIZE_CHANGE_DIVISOR = 8;

    private final RaftstoreConfig config;
    private final SchedulerReporter reporter;
    private final Consumer<Metapb.Region> sizeScans;
    /** How many times the store reconnected to the scheduler; a change means: heartbeat at the next check. */
    private final java.util.function.LongSupplier schedulerReconnects;

    private long seenReconnects;
    /** This peer's logical clock: ticks since it was created. */
    private long nowTicks;

    private int ticksSinceCheck;
    private long ticksSinceHeartbeat;
    /** {@link RaftstoreConfig#regionHeartbeatIntervalTicks}. */
    private final int intervalTicks;

    private int heartbeatsSinceSizeScan;
    private boolean sizeScanPending;
    private boolean wasLeader;
    private long approximateSizeBytes;
    private long approximateKeys;
    /** The applied index and epoch version the last finished scan measured at; -1 before one. */
    private long scannedAppliedIndex = -1;

    private long scannedVersion = -1;
    /** The same for the scan asked last, taken over when its answer arrives. */
    private long pendingAppliedIndex = -1;

    private long pendingVersion = -1;
    /** Peer id to the tick at which this peer last heard from it. */
    private final Map<Long, Long> lastHeardTick = new HashMap<>();
    /** The peers the last heartbeat reported pending (empty when not leading). */
    private Set<Long> reportedPending = Set.of();
    /** What else the last heartbeat reported, to tell a changed region from an unchanged one. */
    private Metapb.RegionEpoch reportedEpoch;

    private Set<Long> reportedDown = Set.of();
    private long reportedSizeBytes;
    private long reportedKeys;

    /**
     * @param sizeScans asked (on the Raft thread) to estimate a region's size off the Raft thread;
     *     the answer comes back through {@link #onApproximateSize}
     */
    RegionHeartbeats(RaftstoreConfig config, SchedulerReporter reporter, Consumer<Metapb.Region> sizeScans) {
        this(config, reporter, sizeScans, () -> 0);
    }

    /** @param schedulerReconnects the store's count of reconnections to the scheduler (any thread bumps it) */
    public RegionHeartbeats(
            RaftstoreConfig config,
            SchedulerReporter reporter,
            Consumer<Metapb.Region> sizeScans,
            java.util.function.LongSupplier schedulerReconnects) {
        this.schedulerReconnects = Objects.requireNonNull(schedulerReconnects, "schedulerReconnects");
        this.seenReconnects = schedulerReconnects.getAsLong();
        this.config = Objects.requireNonNull(config, "config");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.sizeScans = Objects.requireNonNull(sizeScans, "sizeScans");
        this.intervalTicks = config.regionHeartbeatIntervalTicks();
    }

    /** For peers of stores without a scheduler: tracks activity, reports nothing, scans nothing. */
    public static RegionHeartbeats none(RaftstoreConfig config) {
        return new RegionHeartbeats(config, SchedulerReporter.NONE, region -> {});
    }

    /**
     * One Raft tick of the peer: every {@code regionHeartbeatTicks} a leader checks its region and
     * heartbeats when it changed or the long interval is up.
     */
    public void onTick(Peer peer) {
        nowTicks++;
        ticksSinceHeartbeat++;
        if (++ticksSinceCheck < config.regionHeartbeatTicks()) {
            if (!reportedPending.isEmpty()) {
                sendIfAPendingPeerCaughtUp(peer);
            }
            return;
        }
        check(peer);
    }

    /**
     * {@code ticks} went by while the peer did not tick, its region idle ({@link
     * io.tinykv.raftstore.peer.Hibernation}); an idle leader is told every {@code
     * regionHeartbeatTicks}, and checks as at a tick: the scheduler still gets the long interval's
     * refresh and a size scan's news. No peer counts as silent meanwhile: all agreed to stop, and a
     * store holding one that goes silent wakes the region, whose down-peer clock then runs on.
     */
    public void onIdleTicks(Peer peer, int ticks) {
        nowTicks += ticks;
        ticksSinceHeartbeat += ticks;
        for (Metapb.Peer p : peer.region().getPeersList()) {
            lastHeardTick.put(p.getId(), nowTicks);
        }
        check(peer);
    }

    /** Every {@code regionHeartbeatTicks}: a leader heartbeats when the region changed or the interval is up. */
    private void check(Peer peer) {
        ticksSinceCheck = 0;
        // Most peers are followers: they must not pay for a status (a copy of every progress).
        if (!peer.raftNode().isLeader()) {
            return;
        }
        Status status = peer.raftNode().status();
        if (++heartbeatsSinceSizeScan >= SIZE_SCAN_EVERY_HEARTBEATS) {
            maybeRequestSizeScan(peer);
        }
        long reconnects = schedulerReconnects.getAsLong();
        boolean reconnected = reconnects != seenReconnects;
        seenReconnects = reconnects;
        if (reconnected || ticksSinceHeartbeat >= intervalTicks || changedSinceReported(peer, status)) {
            send(peer, status);
        }
    }

    /** Whether the scheduler would learn something from a heartbeat now (see the class comment). */
    private boolean changedSinceReported(Peer peer, Status status) {
        Metapb.Region region = peer.region();
        if (!region.getRegionEpoch().equals(reportedEpoch)
                || movedNoticeably(reportedSizeBytes, approximateSizeBytes)
                || movedNoticeably(reportedKeys, approximateKeys)) {
            return true;
        }
        long truncatedIndex = peer.storage().truncatedIndex();
        long leaderId = peer.meta().getId();
        int pending = 0;
        int down = 0;
        for (Metapb.Peer p : region.getPeersList()) {
            long id = p.getId();
            if (id == leaderId) {
                continue;
            }
            ProgressView pr = status.progress().get(id);
            if (pr == null || isPending(pr, truncatedIndex)) {
                if (!reportedPending.contains(id)) {
                    return true;
                }
                pending++;
            }
            Long heard = lastHeardTick.get(id);
            if (heard != null && nowTicks - heard > config.maxPeerDownTicks()) {
                if (!reportedDown.contains(id)) {
                    return true;
                }
                down++;
            }
        }
        // Same members reported and found in both directions only if the counts agree too.
        return pending != reportedPending.size() || down != reportedDown.size();
    }

    private static boolean movedNoticeably(long reported, long now) {
        return Math.abs(now - reported) > reported / SIZE_CHANGE_DIVISOR;
    }

    /**
     * The store of {@code peerId} sent nothing for {@code ticks} (found while the region was idle):
     * the peer counts as unheard for that long at least.
     */
    public void onSilentFor(long peerId, long ticks) {
        lastHeardTick.merge(peerId, nowTicks - ticks, Math::min);
    }

    /** A message from {@code peerId} arrived: it is alive. */
    public void onHeardFrom(long peerId) {
        lastHeardTick.put(peerId, nowTicks);
    }

    /**
     * After a Ready that changed the peer's role: a new leader heartbeats at once. A leader has not
     * had the chance to hear from anybody yet, so every peer's silence starts now (as in TiKV).
     */
    public void onRoleMaybeChanged(Peer peer) {
        Status status = peer.raftNode().status();
        boolean leader = status.softState().role() == StateRole.LEADER;
        if (leader && !wasLeader) {
            for (Metapb.Peer p : peer.region().getPeersList()) {
                lastHeardTick.put(p.getId(), nowTicks);
            }
            maybeRequestSizeScan(peer);
            send(peer, status);
        }
        if (!leader) {
            reportedPending = Set.of();
        }
        wasLeader = leader;
    }

    /**
     * Runs every tick while a reported peer is pending, and a dead store's peers stay pending: so
     * it reads match indexes one by one and builds the full status only to send.
     */
    private void sendIfAPendingPeerCaughtUp(Peer peer) {
        if (!peer.raftNode().isLeader()) {
            reportedPending = Set.of();
            return;
        }
        long truncatedIndex = peer.storage().truncatedIndex();
        for (long id : reportedPending) {
            long match = peer.raftNode().matchIndexOf(id);
            if (match >= 0 && !isPending(match, truncatedIndex)) {
                send(peer, peer.raftNode().status());
                return;
            }
        }
    }

    /** The peer applied a membership change: its leader tells the scheduler the new region at once. */
    public void onConfChangeApplied(Peer peer) {
        if (peer.raftNode().isLeader()) {
            send(peer, peer.raftNode().status());
        }
    }

    /** Ticks since this peer last heard from {@code peerId}; {@link Long#MAX_VALUE} if never. */
    long silentTicks(long peerId) {
        Long heard = lastHeardTick.get(peerId);
        return heard == null ? Long.MAX_VALUE : nowTicks - heard;
    }

    /** A size scan asked by {@link #maybeRequestSizeScan} finished. */
    public void onApproximateSize(long sizeBytes, long keys) {
        sizeScanPending = false;
        scannedAppliedIndex = pendingAppliedIndex;
        scannedVersion = pendingVersion;
        approximateSizeBytes = sizeBytes;
        approximateKeys = keys;
    }

    long approximateSizeBytes() {
        return approximateSizeBytes;
    }

    long approximateKeys() {
        return approximateKeys;
    }

    private void maybeRequestSizeScan(Peer peer) {
        Metapb.Region region = peer.region();
        boolean stillScanning = sizeScanPending && heartbeatsSinceSizeScan < SIZE_SCAN_TIMEOUT_HEARTBEATS;
        if (stillScanning || region.getPeersCount() == 0) {
            return;
        }
        long applied = peer.storage().appliedIndex();
        long version = region.getRegionEpoch().getVersion();
        heartbeatsSinceSizeScan = 0;
        if (!sizeScanPending && applied == scannedAppliedIndex && version == scannedVersion) {
            return; // nothing applied since the last scan: its figures stand
        }
        sizeScanPending = true;
        pendingAppliedIndex = applied;
        pendingVersion = version;
        sizeScans.accept(region);
    }

    private void send(Peer peer, Status status) {
        Metapb.Region region = peer.region();
        Map<Long, Long> silentTicks = new HashMap<>();
        for (Metapb.Peer p : region.getPeersList()) {
            // A member this leader never heard from (added since it became leader) is silent from now.
            long heard = lastHeardTick.computeIfAbsent(p.getId(), id -> nowTicks);
            silentTicks.put(p.getId(), nowTicks - heard);
        }
        lastHeardTick.keySet().retainAll(silentTicks.keySet());
        Pdpb.RegionHeartbeatRequest heartbeat = build(
                region,
                peer.meta(),
                status.hardState().getTerm(),
                status.progress(),
                peer.storage().truncatedIndex(),
                silentTicks,
                config.maxPeerDownTicks(),
                config.tickIntervalMs(),
                approximateSizeBytes,
                approximateKeys);
        reportedPending = heartbeat.getPendingPeersList().stream()
                .map(Metapb.Peer::getId)
                .collect(Collectors.toUnmodifiableSet());
        reportedDown = heartbeat.getDownPeersList().stream()
                .map(d -> d.getPeer().getId())
                .collect(Collectors.toUnmodifiableSet());
        reportedEpoch = region.getRegionEpoch();
        reportedSizeBytes = approximateSizeBytes;
        reportedKeys = approximateKeys;
        ticksSinceHeartbeat = 0;
        try {
            reporter.regionHeartbeat(heartbeat);
        } catch (RuntimeException e) {
            // The reporter's failure must not stop the Raft thread; the next period tries again.
            LOG.warn("{}: the scheduler reporter failed on a region heartbeat", peer, e);
        }
    }

    /**
     * The heartbeat of a region's leader.
     *
     * @param progress the leader's replication progress per peer id
     * @param truncatedIndex the leader's truncated index: a peer whose match is below it can only
     *     catch up by snapshot, and is reported pending (so is a peer without progress or without
     *     any match yet, i.e. not initialized)
     * @param silentTicks per peer id, the ticks since the leader last heard from it; more than
     *     {@code maxPeerDownTicks} makes the peer down
     */
    static Pdpb.RegionHeartbeatRequest build(
            Metapb.Region region,
            Metapb.Peer leader,
            long term,
            Map<Long, ProgressView> progress,
            long truncatedIndex,
            Map<Long, Long> silentTicks,
            int maxPeerDownTicks,
            long tickIntervalMs,
            long approximateSizeBytes,
            long approximateKeys) {
        Pdpb.RegionHeartbeatRequest.Builder heartbeat = Pdpb.RegionHeartbeatRequest.newBuilder()
                .setRegion(region)
                .setLeader(leader)
                .setTerm(term)
                .setApproximateSize(approximateSizeBytes)
                .setApproximateKeys(approximateKeys);
        for (Metapb.Peer p : region.getPeersList()) {
            if (p.getId() == leader.getId()) {
                continue;
            }
            long silent = silentTicks.getOrDefault(p.getId(), 0L);
            if (silent > maxPeerDownTicks) {
                heartbeat.addDownPeers(Pdpb.PeerStats.newBuilder()
                        .setPeer(p)
                        .setDownSeconds(silent * tickIntervalMs / MILLIS_PER_SECOND));
            }
            ProgressView pr = progress.get(p.getId());
            if (pr == null || isPending(pr, truncatedIndex)) {
                heartbeat.addPendingPeers(p);
            }
        }
        return heartbeat.build();
    }

    /** Not heard from yet (match 0, e.g. under a new leader) or only to be caught up by a snapshot. */
    private static boolean isPending(ProgressView progress, long truncatedIndex) {
        return isPending(progress.match(), truncatedIndex);
    }

    private static boolean isPending(long match, long truncatedIndex) {
        return match == 0 || match < truncatedIndex;
    }
}
