package io.tinykv.server.store;

import io.tinykv.scheduler.HostAndPort;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.gc.StoreGcConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything one store process ({@code tinykv server}) is configured with: the settings it shares
 * with the standalone process ({@code [server]}, {@code [storage]}, {@code [limits]}) and its own
 * {@code [store]} section: where the scheduler is, how fast Raft ticks, how long commands wait.
 * Built by {@link StoreConfigLoader}; {@link #validate()} reports every problem at once.
 *
 * @param base the shared settings; its {@code [pd]} section is the standalone's scheduler's, unused by a store
 * @param store the store's own settings
 * @param gc the {@code [gc]} section: the store's MVCC GC worker
 * @param raftstore the {@code [raftstore]} section: the bounds on what waits for the Raft thread
 *     and on incoming snapshots
 */
public record StoreServerConfig(
        Config base, Store store, Coprocessor coprocessor, StoreGcConfig gc, Raftstore raftstore) {

    /** Conventional scheduler (PD) client port. */
    public static final String DEFAULT_PD_ENDPOINT = "127.0.0.1:2379";

    public StoreServerConfig {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(coprocessor, "coprocessor");
        Objects.requireNonNull(gc, "gc");
        Objects.requireNonNull(raftstore, "raftstore");
    }

    /** With the default {@code [raftstore]} section. */
    public StoreServerConfig(Config base, Store store, Coprocessor coprocessor, StoreGcConfig gc) {
        this(base, store, coprocessor, gc, Raftstore.defaults());
    }

    /** With the default {@code [gc]} section. */
    public StoreServerConfig(Config base, Store store, Coprocessor coprocessor) {
        this(base, store, coprocessor, StoreGcConfig.defaults());
    }

    /** With the default {@code [coprocessor]} section. */
    public StoreServerConfig(Config base, Store store) {
        this(base, store, Coprocessor.defaults());
    }

    /**
     * The {@code [coprocessor]} section: when regions split, with TiKV's names and defaults.
     *
     * @param regionMaxSizeBytes region-max-size: a larger region is split
     * @param regionSplitSizeBytes region-split-size: the size of the pieces
     * @param regionMaxKeys region-max-keys: a region with more keys is split
     * @param regionSplitKeys region-split-keys: the key count of the pieces
     * @param splitCheckIntervalMillis split-region-check-tick-interval (TiKV has it under
     *     {@code [raftstore]}): how often each leader measures its region
     */
    public record Coprocessor(
            long regionMaxSizeBytes,
            long regionSplitSizeBytes,
            long regionMaxKeys,
            long regionSplitKeys,
            long splitCheckIntervalMillis) {

        public static Coprocessor defaults() {
            var d = io.tinykv.raftstore.split.SplitCheckConfig.defaults();
            return new Coprocessor(
                    d.regionMaxSizeBytes(), d.regionSplitSizeBytes(), d.regionMaxKeys(), d.regionSplitKeys(), 10_000);
        }

        public Coprocessor withSizes(Long maxSizeBytes, Long splitSizeBytes) {
            return new Coprocessor(
                    maxSizeBytes == null ? regionMaxSizeBytes : maxSizeBytes,
                    splitSizeBytes == null ? regionSplitSizeBytes : splitSizeBytes,
                    regionMaxKeys,
                    regionSplitKeys,
                    splitCheckIntervalMillis);
        }

        public Coprocessor withKeys(Long maxKeys, Long splitKeys) {
            return new Coprocessor(
                    regionMaxSizeBytes,
                    regionSplitSizeBytes,
                    maxKeys == null ? regionMaxKeys : maxKeys,
                    splitKeys == null ? regionSplitKeys : splitKeys,
                    splitCheckIntervalMillis);
        }

        /** The raftstore's split settings at {@code tickIntervalMillis} per Raft tick. */
        public io.tinykv.raftstore.split.SplitCheckConfig toSplitCheck(long tickIntervalMillis) {
            int ticks = (int) Math.max(1, splitCheckIntervalMillis / Math.max(1, tickIntervalMillis));
            return new io.tinykv.raftstore.split.SplitCheckConfig(
                    regionMaxSizeBytes, regionSplitSizeBytes, regionMaxKeys, regionSplitKeys, ticks);
        }
    }

    /**
     * The {@code [raftstore]} section: bounds on what waits for the store's Raft thread, on the
     * snapshots other stores stream in and on those this store streams out. TiKV has {@code notify-capacity} here too; its
     * {@code concurrent-recv-snap-limit} and {@code snap-max-total-size} are under {@code [server]},
     * which here is shared with the standalone process (which has no peers).
     *
     * @param notifyCapacity client commands, and separately Raft messages from other stores, that
     *     one region's mailbox holds; a command beyond it is answered {@code server_is_busy}
     * @param concurrentRecvSnapLimit snapshot streams received at once; another is refused
     *     (RESOURCE_EXHAUSTED) before anything of it is written, and its sender tries again later
     * @param snapMaxTotalSizeBytes bytes of the snapshots being received at once (as each
     *     announces them); a snapshot that would go beyond is refused like an extra stream, unless
     *     no other is being received (so that a snapshot larger than this still gets through, one
     *     at a time)
     * @param concurrentSendSnapLimit snapshots this store sends at once (TiKV's
     *     {@code concurrent-send-snap-limit}); another is refused and reported failed at once, and
     *     Raft sends it again later
     * @param pdHeartbeatTickIntervalMillis TiKV's {@code pd-heartbeat-tick-interval}: the longest a
     *     region leader goes without heartbeating a region that did not change (a changed one is
     *     heartbeated within {@code store.region-heartbeat-ticks}); see
     *     {@link io.tinykv.raftstore.RaftstoreConfig#regionHeartbeatIntervalMs}
     * @param hibernateRegions TiKV's {@code hibernate-regions} (default on, as in TiKV since 5.0):
     *     a region quiet for an election timeout stops ticking and heartbeating once all its peers
     *     agree; see {@link io.tinykv.raftstore.peer.Hibernation}
     */
    public record Raftstore(
            int notifyCapacity,
            int concurrentRecvSnapLimit,
            long snapMaxTotalSizeBytes,
            int concurrentSendSnapLimit,
            long pdHeartbeatTickIntervalMillis,
            boolean hibernateRegions) {

        /** With the default {@code hibernate-regions}. */
        public Raftstore(
                int notifyCapacity,
                int concurrentRecvSnapLimit,
                long snapMaxTotalSizeBytes,
                int concurrentSendSnapLimit,
                long pdHeartbeatTickIntervalMillis) {
            this(
                    notifyCapacity,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    concurrentSendSnapLimit,
                    pdHeartbeatTickIntervalMillis,
                    io.tinykv.raftstore.RaftstoreConfig.DEFAULT_HIBERNATE_REGIONS);
        }

        /** With the default {@code pd-heartbeat-tick-interval}. */
        public Raftstore(
                int notifyCapacity,
                int concurrentRecvSnapLimit,
                long snapMaxTotalSizeBytes,
                int concurrentSendSnapLimit) {
            this(
                    notifyCapacity,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    concurrentSendSnapLimit,
                    io.tinykv.raftstore.RaftstoreConfig.DEFAULT_REGION_HEARTBEAT_INTERVAL_MS);
        }

        /** With the default {@code concurrent-send-snap-limit}. */
        public Raftstore(int notifyCapacity, int concurrentRecvSnapLimit, long snapMaxTotalSizeBytes) {
            this(
                    notifyCapacity,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    io.tinykv.raftstore.transport.grpc.SnapshotSendLimit.DEFAULT_MAX_STREAMS);
        }

        public static Raftstore defaults() {
            return new Raftstore(
                    io.tinykv.raftstore.RaftstoreConfig.DEFAULT_NOTIFY_CAPACITY,
                    io.tinykv.raftstore.transport.grpc.SnapshotRecvLimit.DEFAULT_MAX_STREAMS,
                    io.tinykv.raftstore.transport.grpc.SnapshotRecvLimit.DEFAULT_MAX_TOTAL_BYTES,
                    io.tinykv.raftstore.transport.grpc.SnapshotSendLimit.DEFAULT_MAX_STREAMS);
        }

        public Raftstore withNotifyCapacity(int value) {
            return new Raftstore(
                    value,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    concurrentSendSnapLimit,
                    pdHeartbeatTickIntervalMillis,
                    hibernateRegions);
        }

        public Raftstore withSnapshotLimits(int streams, long totalBytes) {
            return new Raftstore(
                    notifyCapacity,
                    streams,
                    totalBytes,
                    concurrentSendSnapLimit,
                    pdHeartbeatTickIntervalMillis,
                    hibernateRegions);
        }

        public Raftstore withConcurrentSendSnapLimit(int value) {
            return new Raftstore(
                    notifyCapacity,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    value,
                    pdHeartbeatTickIntervalMillis,
                    hibernateRegions);
        }

        public Raftstore withPdHeartbeatTickIntervalMillis(long value) {
            return new Raftstore(
                    notifyCapacity,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    concurrentSendSnapLimit,
                    value,
                    hibernateRegions);
        }

        public Raftstore withHibernateRegions(boolean value) {
            return new Raftstore(
                    notifyCapacity,
                    concurrentRecvSnapLimit,
                    snapMaxTotalSizeBytes,
                    concurrentSendSnapLimit,
                    pdHeartbeatTickIntervalMillis,
                    value);
        }
    }

    /**
     * The {@code [store]} section.
     *
     * @param pdEndpoints scheduler addresses ({@code host:port}), tried in turn
     * @param tickIntervalMillis wall time of one Raft tick
     * @param electionTicks ticks without a leader before a follower campaigns
     * @param heartbeatTicks ticks between a leader's Raft heartbeats
     * @param regionHeartbeatTicks ticks between a leader's heartbeats to the scheduler
     * @param storeHeartbeatTicks ticks between the store's heartbeats to the scheduler
     * @param raftLogGcCountLimit applied entries kept in the log before the leader compacts it
     * @param commandTimeoutMillis how long a request waits for Raft before ServerIsBusy
     * @param schedulerTimeoutMillis deadline of one call to the scheduler
     * @param schedulerMaxBackoffMillis longest wait between attempts to reach the scheduler
     * @param heartbeatQueueCapacity region heartbeats waiting to be sent; beyond it the oldest is dropped
     */
    public record Store(
            List<String> pdEndpoints,
            long tickIntervalMillis,
            int electionTicks,
            int heartbeatTicks,
            int regionHeartbeatTicks,
            int storeHeartbeatTicks,
            long raftLogGcCountLimit,
            long commandTimeoutMillis,
            long schedulerTimeoutMillis,
            long schedulerMaxBackoffMillis,
            int heartbeatQueueCapacity) {

        public Store {
            pdEndpoints = List.copyOf(pdEndpoints);
        }

        public static Store defaults() {
            return new Store(List.of(DEFAULT_PD_ENDPOINT), 100, 10, 2, 20, 50, 10_000, 5_000, 3_000, 3_000, 1_024);
        }

        public Store withPdEndpoints(List<String> endpoints) {
            return new Store(
                    endpoints,
                    tickIntervalMillis,
                    electionTicks,
                    heartbeatTicks,
                    regionHeartbeatTicks,
                    storeHeartbeatTicks,
                    raftLogGcCountLimit,
                    commandTimeoutMillis,
                    schedulerTimeoutMillis,
                    schedulerMaxBackoffMillis,
                    heartbeatQueueCapacity);
        }

        public Store withTickIntervalMillis(long millis) {
            return new Store(
                    pdEndpoints,
                    millis,
                    electionTicks,
                    heartbeatTicks,
                    regionHeartbeatTicks,
                    storeHeartbeatTicks,
                    raftLogGcCountLimit,
                    commandTimeoutMillis,
                    schedulerTimeoutMillis,
                    schedulerMaxBackoffMillis,
                    heartbeatQueueCapacity);
        }

        public Store withHeartbeatTicks(int regionTicks, int storeTicks) {
            return new Store(
                    pdEndpoints,
                    tickIntervalMillis,
                    electionTicks,
                    heartbeatTicks,
                    regionTicks,
                    storeTicks,
                    raftLogGcCountLimit,
                    commandTimeoutMillis,
                    schedulerTimeoutMillis,
                    schedulerMaxBackoffMillis,
                    heartbeatQueueCapacity);
        }
    }

    public static StoreServerConfig defaults() {
        return new StoreServerConfig(Config.defaults(), Store.defaults());
    }

    public StoreServerConfig withCoprocessor(Coprocessor value) {
        return new StoreServerConfig(base, store, value, gc, raftstore);
    }

    public StoreServerConfig withGc(StoreGcConfig value) {
        return new StoreServerConfig(base, store, coprocessor, value, raftstore);
    }

    public StoreServerConfig withRaftstore(Raftstore value) {
        return new StoreServerConfig(base, store, coprocessor, gc, value);
    }

    /** Other shared settings; every store section is kept. */
    public StoreServerConfig withBase(Config value) {
        return new StoreServerConfig(value, store, coprocessor, gc, raftstore);
    }

    public Config.Server server() {
        return base.server();
    }

    public StoreServerConfig withServer(Config.Server server) {
        return new StoreServerConfig(base.withServer(server), store, coprocessor, gc, raftstore);
    }

    public StoreServerConfig withStore(Store newStore) {
        return new StoreServerConfig(base, newStore, coprocessor, gc, raftstore);
    }

    /**
     * Checks every setting, the shared ones included, and reports all problems at once.
     *
     * @throws ConfigException naming each bad setting
     */
    public StoreServerConfig validate() {
        List<String> problems = new ArrayList<>();
        try {
            base.validate();
        } catch (ConfigException e) {
            problems.addAll(e.problems());
        }
        if (store.pdEndpoints().isEmpty()) {
            problems.add("store.pd-endpoints must name at least one scheduler address (--pd HOST:PORT)");
        }
        for (String endpoint : store.pdEndpoints()) {
            try {
                if (HostAndPort.parse(endpoint).port() == 0) {
                    problems.add("store.pd-endpoints: " + endpoint + " must name a real port");
                }
            } catch (IllegalArgumentException e) {
                problems.add("store.pd-endpoints: " + e.getMessage());
            }
        }
        positive(problems, "store.tick-interval", store.tickIntervalMillis());
        positive(problems, "store.heartbeat-ticks", store.heartbeatTicks());
        if (store.electionTicks() <= store.heartbeatTicks()) {
            problems.add("store.election-ticks (" + store.electionTicks()
                    + ") must be greater than store.heartbeat-ticks (" + store.heartbeatTicks() + ")");
        }
        positive(problems, "store.region-heartbeat-ticks", store.regionHeartbeatTicks());
        positive(problems, "store.store-heartbeat-ticks", store.storeHeartbeatTicks());
        positive(problems, "store.raft-log-gc-count-limit", store.raftLogGcCountLimit());
        positive(problems, "store.command-timeout", store.commandTimeoutMillis());
        positive(problems, "store.scheduler-timeout", store.schedulerTimeoutMillis());
        positive(problems, "store.scheduler-max-backoff", store.schedulerMaxBackoffMillis());
        positive(problems, "store.heartbeat-queue-capacity", store.heartbeatQueueCapacity());
        positive(problems, "coprocessor.region-split-size", coprocessor.regionSplitSizeBytes());
        positive(problems, "coprocessor.region-split-keys", coprocessor.regionSplitKeys());
        positive(problems, "coprocessor.split-region-check-tick-interval", coprocessor.splitCheckIntervalMillis());
        if (coprocessor.regionSplitSizeBytes() > coprocessor.regionMaxSizeBytes()) {
            problems.add("coprocessor.region-split-size (" + coprocessor.regionSplitSizeBytes()
                    + " bytes) must be at most coprocessor.region-max-size (" + coprocessor.regionMaxSizeBytes()
                    + " bytes)");
        }
        if (coprocessor.regionSplitKeys() > coprocessor.regionMaxKeys()) {
            problems.add("coprocessor.region-split-keys (" + coprocessor.regionSplitKeys()
                    + ") must be at most coprocessor.region-max-keys (" + coprocessor.regionMaxKeys() + ")");
        }
        positive(problems, "raftstore.notify-capacity", raftstore.notifyCapacity());
        positive(problems, "raftstore.concurrent-recv-snap-limit", raftstore.concurrentRecvSnapLimit());
        positive(problems, "raftstore.snap-max-total-size", raftstore.snapMaxTotalSizeBytes());
        positive(problems, "raftstore.concurrent-send-snap-limit", raftstore.concurrentSendSnapLimit());
        long checkMillis = (long) store.regionHeartbeatTicks() * store.tickIntervalMillis();
        if (raftstore.pdHeartbeatTickIntervalMillis() < checkMillis) {
            problems.add("raftstore.pd-heartbeat-tick-interval (" + raftstore.pdHeartbeatTickIntervalMillis()
                    + " ms) must be at least store.region-heartbeat-ticks x store.tick-interval ("
                    + store.regionHeartbeatTicks() + " x " + store.tickIntervalMillis() + " ms = " + checkMillis
                    + " ms): a leader heartbeats an unchanged region only when it checks its region");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return this;
    }

    private static void positive(List<String> problems, String name, long value) {
        if (value <= 0) {
            problems.add(name + " must be > 0 (got " + value + ")");
        }
    }
}
