package io.tinykv.raftstore;

import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.peer.EntryCache;
import io.tinykv.raftstore.read.LeaderLease;
import io.tinykv.raftstore.split.SplitCheckConfig;
import io.tinykv.raftstore.split.SplitChecker;

/**
 * Settings of the raftstore, validated at construction; built by name with {@link #builder}.
 *
 * @param electionTicks Raft ticks without a leader before a follower campaigns
 * @param heartbeatTicks Raft ticks between a leader's heartbeats
 * @param maxSizePerMsgBytes byte limit of the entries in one append message
 * @param maxInflightMsgs append messages in flight per follower
 * @param raftEntryMaxSizeBytes largest command accepted into the log; larger ones are refused
 *     with RaftEntryTooLarge
 * @param raftLogGcCountLimit the leader compacts the log once this many applied entries are
 *     still held (keeping at most this many behind the applied index)
 * @param raftLogGcIntervalTicks Raft ticks between the leader's log-size checks
 * @param regionHeartbeatTicks Raft ticks between a region leader's checks whether the region changed in
 *     a way the scheduler must learn (epoch, pending or down peers, approximate size); a changed
 *     region is heartbeated at that check ({@link RegionHeartbeats})
 * @param storeHeartbeatTicks Raft ticks between the store's heartbeats to the scheduler
 * @param maxPeerDownTicks a leader reports a peer as down once it has not heard from it for more
 *     than this many Raft ticks
 * @param tickIntervalMs how long one Raft tick lasts as the store's owner drives it (the
 *     {@link RaftStoreDriver}'s tick interval must be the same); the leader lease is checked
 *     against it, and the scheduler is told durations in seconds with it
 * @param maxLeaseMs how long after sending a round that a quorum acknowledged the leader answers
 *     reads from its own state without a ReadIndex round ({@link LeaderLease}), on the monotonic
 *     clock; at most {@link #leaseWindowMs} minus {@code leaseDriftMarginMs}
 * @param leaseDriftMarginMs how much of the lease window is kept back for the clocks of two stores
 *     running at different rates
 * @param splitCheck when regions are split ({@link SplitChecker})
 * @param entryCacheMaxBytes bytes of log entries each peer keeps in memory from append until apply
 *     ({@link EntryCache}); 0 turns the cache off (every committed entry is read back from the raft
 *     engine)
 * @param notifyCapacity how many client commands, and separately how many Raft messages from other
 *     stores, one region's mailbox holds waiting for the Raft thread (TiKV's {@code notify-capacity});
 *     a command beyond it is answered {@code server_is_busy} at once, a Raft message beyond it is
 *     dropped as the network may drop it ({@link Router})
 * @param regionHeartbeatIntervalMs the longest a region leader goes without heartbeating a region
 *     that did not change (TiKV's {@code pd-heartbeat-tick-interval}); rounded up to whole
 *     {@code regionHeartbeatTicks} checks. Changes, a new leader and applied conf changes and splits
 *     are heartbeated at once, and the scheduler pushes its operators without waiting for a
 *     heartbeat, so this is only the scheduler's refresh of what it already knows
 */
public record RaftstoreConfig(
        int electionTicks,
        int heartbeatTicks,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long raftEntryMaxSizeBytes,
        long raftLogGcCountLimit,
        int raftLogGcIntervalTicks,
        int regionHeartbeatTicks,
        int storeHeartbeatTicks,
        int maxPeerDownTicks,
        long tickIntervalMs,
        long maxLeaseMs,
        long leaseDriftMarginMs,
        SplitCheckConfig splitCheck,
        long entryCacheMaxBytes,
        int notifyCapacity,
        long regionHeartbeatIntervalMs,
        boolean hibernateRegions,
        int hibernateCheckTicks) {

    static final int DEFAULT_ELECTION_TICKS = 10;
    static final int DEFAULT_HEARTBEAT_TICKS = 2;
    static final long DEFAULT_MAX_SIZE_PER_MSG_BYTES = 1024 * 1024;
    static final int DEFAULT_MAX_INFLIGHT_MSGS = 256;
    /** 8 MiB, TiKV's default raft-entry-max-size. */
    static final long DEFAULT_RAFT_ENTRY_MAX_SIZE_BYTES = 8L * 1024 * 1024;

    /** TiKV's default raft-log-gc-count-limit is far larger; 10000 entries bound a small store's log. */
    static final long DEFAULT_RAFT_LOG_GC_COUNT_LIMIT = 10_000;

    static final int DEFAULT_RAFT_LOG_GC_INTERVAL_TICKS = 10;
    /**
     * The default drift margin, in percent of the lease window: far beyond the rate error of two
     * quartz clocks (around 100 ppm) or NTP slewing (500 ppm), and it covers timer slack.
     */
    static final long DEFAULT_LEASE_DRIFT_MARGIN_PERCENT = 10;

    private static final long PERCENT = 100;

    /** One election timeout: the scheduler learns a new leader or membership within a second or so. */
    static final int DEFAULT_REGION_HEARTBEAT_TICKS = 10;
    /** TiKV's store heartbeat interval is 10 s; at the default tick that is 100 ticks. */
    static final int DEFAULT_STORE_HEARTBEAT_TICKS = 100;
    /** 30 s at the default tick: long enough that a restart or a short partition is not "down". */
    static final int DEFAULT_MAX_PEER_DOWN_TICKS = 300;

    static final long DEFAULT_TICK_INTERVAL_MS = 100;
    public static final long DEFAULT_ENTRY_CACHE_MAX_BYTES = EntryCache.DEFAULT_MAX_BYTES;
    /**
     * TiKV sizes a peer's mailbox by {@code notify-capacity} too. 4096 commands is seconds of one
     * region's peak write rate: enough to ride out an fsync stall, small enough that the memory a
     * flood can pin is bounded (commands are at most {@code raft-entry-max-size} each).
     */
    public static final int DEFAULT_NOTIFY_CAPACITY = 4096;
    /**
     * TiKV's {@code pd-heartbeat-tick-interval}: a minute. The scheduler learns every change at the
     * next check anyway; this refresh is what an idle store of many regions pays for per region.
     */
    public static final long DEFAULT_REGION_HEARTBEAT_INTERVAL_MS = 60_000;

    /** On, as in TiKV since 5.0: a store of many idle regions must not spend a core ticking them. */
    public static final boolean DEFAULT_HIBERNATE_REGIONS = true;
    /**
     * One election timeout at the default timing: a ping costs one message per other store, however
     * many regions, so the leaders of all idle regions are watched for a message a second per store,
     * and a dead one is noticed within {@link StoreLiveness#SILENT_AFTER_CHECKS} seconds and a tick.
     */
    static final int DEFAULT_HIBERNATE_CHECK_TICKS = DEFAULT_ELECTION_TICKS;

    /**
     * The real time for which a follower that heard the leader is sure to refuse other candidates:
     * {@code (electionTicks - 1) * tickIntervalMs}. Raft's refusal lasts {@code electionTicks} of the
     * follower's own ticks, and the first may come right after it heard the leader (see {@link
     * LeaderLease}). A lease longer than this window, from the send time of the round that
     * renewed it, could outlive the refusal and overlap a new leader.
     */
    static long leaseWindowMs(int electionTicks, long tickIntervalMs) {
        return Math.multiplyExact(Math.max(0, electionTicks - 1L), Math.max(0, tickIntervalMs));
    }

    /** {@link #DEFAULT_LEASE_DRIFT_MARGIN_PERCENT} of the window, rounded up. */
    private static long defaultDriftMarginMs(int electionTicks, long tickIntervalMs) {
        long window = leaseWindowMs(electionTicks, tickIntervalMs);
        return (window * DEFAULT_LEASE_DRIFT_MARGIN_PERCENT + PERCENT - 1) / PERCENT;
    }

    public RaftstoreConfig {
        java.util.Objects.requireNonNull(splitCheck, "splitCheck");
        if (hibernateCheckTicks <= 0) {
            throw new IllegalArgumentException("hibernateCheckTicks (ticks between the store's liveness pings, "
                    + "which bound how long an idle region's dead leader goes unnoticed) must be > 0, got "
                    + hibernateCheckTicks);
        }
        if (regionHeartbeatIntervalMs <= 0) {
            throw new IllegalArgumentException("regionHeartbeatIntervalMs (the longest an unchanged region goes "
                    + "without a heartbeat) must be > 0, got " + regionHeartbeatIntervalMs);
        }
        if (notifyCapacity <= 0) {
            throw new IllegalArgumentException("notifyCapacity (commands, and Raft messages, one region's mailbox "
                    + "holds) must be > 0, got " + notifyCapacity);
        }
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("heartbeatTicks must be > 0, got " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks (" + electionTicks
                    + ") must be greater than heartbeatTicks (" + heartbeatTicks + ")");
        }
        if (maxSizePerMsgBytes <= 0) {
            throw new IllegalArgumentException("maxSizePerMsgBytes must be > 0, got " + maxSizePerMsgBytes);
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be > 0, got " + maxInflightMsgs);
        }
        if (raftEntryMaxSizeBytes <= 0) {
            throw new IllegalArgumentException("raftEntryMaxSizeBytes must be > 0, got " + raftEntryMaxSizeBytes);
        }
        if (raftLogGcCountLimit <= 0) {
            throw new IllegalArgumentException("raftLogGcCountLimit must be > 0, got " + raftLogGcCountLimit);
        }
        if (raftLogGcIntervalTicks <= 0) {
            throw new IllegalArgumentException("raftLogGcIntervalTicks must be > 0, got " + raftLogGcIntervalTicks);
        }
        if (regionHeartbeatTicks <= 0) {
            throw new IllegalArgumentException("regionHeartbeatTicks must be > 0, got " + regionHeartbeatTicks);
        }
        if (storeHeartbeatTicks <= 0) {
            throw new IllegalArgumentException("storeHeartbeatTicks must be > 0, got " + storeHeartbeatTicks);
        }
        if (maxPeerDownTicks <= 0) {
            throw new IllegalArgumentException("maxPeerDownTicks must be > 0, got " + maxPeerDownTicks);
        }
        if (entryCacheMaxBytes < 0) {
            throw new IllegalArgumentException(
                    "entryCacheMaxBytes must be >= 0 (0 = no cache), got " + entryCacheMaxBytes);
        }
        if (tickIntervalMs <= 0) {
            throw new IllegalArgumentException("tickIntervalMs must be > 0, got " + tickIntervalMs);
        }
        if (leaseDriftMarginMs < 0) {
            throw new IllegalArgumentException("leaseDriftMarginMs must be >= 0, got " + leaseDriftMarginMs);
        }
        long window = leaseWindowMs(electionTicks, tickIntervalMs);
        if (maxLeaseMs <= 0 || maxLeaseMs > window - leaseDriftMarginMs) {
            // A longer lease could outlive the followers' refusal to vote: a new leader could be
            // elected and commit while the old one still answers reads from its stale state.
            throw new IllegalArgumentException("maxLeaseMs must be > 0 and at most (electionTicks - 1) x "
                    + "tickIntervalMs - leaseDriftMarginMs = (" + electionTicks + " - 1) x " + tickIntervalMs
                    + " - " + leaseDriftMarginMs + " = " + (window - leaseDriftMarginMs) + " ms, got " + maxLeaseMs
                    + " (a follower's vote refusal is sure to last only electionTicks - 1 ticks: it counts its"
                    + " own ticks, the first of which may come right after it heard the leader)");
        }
    }

    /** The defaults; the lease is the window less the default margin (810 ms of a 1 s election timeout). */
    public static RaftstoreConfig defaults() {
        return builder().build();
    }

    /** Settings by name, starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, the lease included. */
    Builder toBuilder() {
        return new Builder()
                .electionTicks(electionTicks)
                .heartbeatTicks(heartbeatTicks)
                .maxSizePerMsgBytes(maxSizePerMsgBytes)
                .maxInflightMsgs(maxInflightMsgs)
                .raftEntryMaxSizeBytes(raftEntryMaxSizeBytes)
                .raftLogGcCountLimit(raftLogGcCountLimit)
                .raftLogGcIntervalTicks(raftLogGcIntervalTicks)
                .regionHeartbeatTicks(regionHeartbeatTicks)
                .storeHeartbeatTicks(storeHeartbeatTicks)
                .maxPeerDownTicks(maxPeerDownTicks)
                .tickIntervalMs(tickIntervalMs)
                .lease(maxLeaseMs, leaseDriftMarginMs)
                .splitCheck(splitCheck)
                .entryCacheMaxBytes(entryCacheMaxBytes)
                .notifyCapacity(notifyCapacity)
                .regionHeartbeatIntervalMs(regionHeartbeatIntervalMs)
                .hibernateRegions(hibernateRegions)
                .hibernateCheckTicks(hibernateCheckTicks);
    }

    RaftstoreConfig withRaftEntryMaxSizeBytes(long value) {
        return toBuilder().raftEntryMaxSizeBytes(value).build();
    }

    public RaftstoreConfig withRaftLogGcCountLimit(long value) {
        return toBuilder().raftLogGcCountLimit(value).build();
    }

    public RaftstoreConfig withRegionHeartbeatTicks(int value) {
        return toBuilder().regionHeartbeatTicks(value).build();
    }

    public RaftstoreConfig withStoreHeartbeatTicks(int value) {
        return toBuilder().storeHeartbeatTicks(value).build();
    }

    public RaftstoreConfig withMaxPeerDownTicks(int value) {
        return toBuilder().maxPeerDownTicks(value).build();
    }

    /**
     * Another tick length. The lease scales with it: the default lease (window less the default
     * margin) for the new timing; set a shorter one afterwards with {@link #withLease}.
     */
    public RaftstoreConfig withTickIntervalMs(long value) {
        return toBuilder().tickIntervalMs(value).defaultLease().build();
    }

    RaftstoreConfig withLease(long maxLeaseMs, long leaseDriftMarginMs) {
        return toBuilder().lease(maxLeaseMs, leaseDriftMarginMs).build();
    }

    public RaftstoreConfig withSplitCheck(SplitCheckConfig value) {
        return toBuilder().splitCheck(value).build();
    }

    public RaftstoreConfig withEntryCacheMaxBytes(long value) {
        return toBuilder().entryCacheMaxBytes(value).build();
    }

    public RaftstoreConfig withNotifyCapacity(int value) {
        return toBuilder().notifyCapacity(value).build();
    }

    public RaftstoreConfig withRegionHeartbeatIntervalMs(long value) {
        return toBuilder().regionHeartbeatIntervalMs(value).build();
    }

    RaftstoreConfig withHibernateRegions(boolean value) {
        return toBuilder().hibernateRegions(value).build();
    }

    /**
     * The settings by name (nineteen positional values are easy to get wrong), each starting at its
     * default. The lease, unless {@link #lease set}, is the default for the timing the builder ends
     * with: the window ({@code (electionTicks - 1) x tickIntervalMs}) less the default drift margin.
     * {@link #build} validates as the record does.
     */
    public static final class Builder {

        private int electionTicks = DEFAULT_ELECTION_TICKS;
        private int heartbeatTicks = DEFAULT_HEARTBEAT_TICKS;
        private long maxSizePerMsgBytes = DEFAULT_MAX_SIZE_PER_MSG_BYTES;
        private int maxInflightMsgs = DEFAULT_MAX_INFLIGHT_MSGS;
        private long raftEntryMaxSizeBytes = DEFAULT_RAFT_ENTRY_MAX_SIZE_BYTES;
        private long raftLogGcCountLimit = DEFAULT_RAFT_LOG_GC_COUNT_LIMIT;
        private int raftLogGcIntervalTicks = DEFAULT_RAFT_LOG_GC_INTERVAL_TICKS;
        private int regionHeartbeatTicks = DEFAULT_REGION_HEARTBEAT_TICKS;
        private int storeHeartbeatTicks = DEFAULT_STORE_HEARTBEAT_TICKS;
        private int maxPeerDownTicks = DEFAULT_MAX_PEER_DOWN_TICKS;
        private long tickIntervalMs = DEFAULT_TICK_INTERVAL_MS;
        /** The lease as set; null: the default for the final timing. */
        private Long maxLeaseMs;

        private Long leaseDriftMarginMs;
        private SplitCheckConfig splitCheck = SplitCheckConfig.defaults();
        private long entryCacheMaxBytes = DEFAULT_ENTRY_CACHE_MAX_BYTES;
        private int notifyCapacity = DEFAULT_NOTIFY_CAPACITY;
        private long regionHeartbeatIntervalMs = DEFAULT_REGION_HEARTBEAT_INTERVAL_MS;
        private boolean hibernateRegions = DEFAULT_HIBERNATE_REGIONS;
        private int hibernateCheckTicks = DEFAULT_HIBERNATE_CHECK_TICKS;

        private Builder() {}

        public Builder electionTicks(int value) {
            electionTicks = value;
            return this;
        }

        public Builder heartbeatTicks(int value) {
            heartbeatTicks = value;
            return this;
        }

        Builder maxSizePerMsgBytes(long value) {
            maxSizePerMsgBytes = value;
            return this;
        }

        Builder maxInflightMsgs(int value) {
            maxInflightMsgs = value;
            return this;
        }

        public Builder raftEntryMaxSizeBytes(long value) {
            raftEntryMaxSizeBytes = value;
            return this;
        }

        public Builder raftLogGcCountLimit(long value) {
            raftLogGcCountLimit = value;
            return this;
        }

        Builder raftLogGcIntervalTicks(int value) {
            raftLogGcIntervalTicks = value;
            return this;
        }

        public Builder regionHeartbeatTicks(int value) {
            regionHeartbeatTicks = value;
            return this;
        }

        public Builder storeHeartbeatTicks(int value) {
            storeHeartbeatTicks = value;
            return this;
        }

        public Builder maxPeerDownTicks(int value) {
            maxPeerDownTicks = value;
            return this;
        }

        public Builder tickIntervalMs(long value) {
            tickIntervalMs = value;
            return this;
        }

        Builder lease(long maxLeaseMs, long leaseDriftMarginMs) {
            this.maxLeaseMs = maxLeaseMs;
            this.leaseDriftMarginMs = leaseDriftMarginMs;
            return this;
        }

        /** Forgets a lease set before: the default for the final timing. */
        Builder defaultLease() {
            maxLeaseMs = null;
            leaseDriftMarginMs = null;
            return this;
        }

        public Builder splitCheck(SplitCheckConfig value) {
            splitCheck = value;
            return this;
        }

        Builder entryCacheMaxBytes(long value) {
            entryCacheMaxBytes = value;
            return this;
        }

        public Builder notifyCapacity(int value) {
            notifyCapacity = value;
            return this;
        }

        public Builder regionHeartbeatIntervalMs(long value) {
            regionHeartbeatIntervalMs = value;
            return this;
        }

        public Builder hibernateRegions(boolean value) {
            hibernateRegions = value;
            return this;
        }

        Builder hibernateCheckTicks(int value) {
            hibernateCheckTicks = value;
            return this;
        }

        public RaftstoreConfig build() {
            long margin = maxLeaseMs != null ? leaseDriftMarginMs : defaultDriftMarginMs(electionTicks, tickIntervalMs);
            long maxLease = maxLeaseMs != null ? maxLeaseMs : leaseWindowMs(electionTicks, tickIntervalMs) - margin;
            return new RaftstoreConfig(
                    electionTicks,
                    heartbeatTicks,
                    maxSizePerMsgBytes,
                    maxInflightMsgs,
                    raftEntryMaxSizeBytes,
                    raftLogGcCountLimit,
                    raftLogGcIntervalTicks,
                    regionHeartbeatTicks,
                    storeHeartbeatTicks,
                    maxPeerDownTicks,
                    tickIntervalMs,
                    maxLease,
                    margin,
                    splitCheck,
                    entryCacheMaxBytes,
                    notifyCapacity,
                    regionHeartbeatIntervalMs,
                    hibernateRegions,
                    hibernateCheckTicks);
        }
    }

    /**
     * {@link #regionHeartbeatIntervalMs} in Raft ticks, rounded up (at least one); {@link
     * Integer#MAX_VALUE} when longer.
     */
    public int regionHeartbeatIntervalTicks() {
        long ticks = Math.max(
                1,
                regionHeartbeatIntervalMs / tickIntervalMs + (regionHeartbeatIntervalMs % tickIntervalMs == 0 ? 0 : 1));
        return (int) Math.min(Integer.MAX_VALUE, ticks);
    }
}
