package io.tinykv.raftstore.sim;

import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A cluster of simulated stores in one thread: real engines per store, one region bootstrapped on
 * all of them (the harness plays the scheduler), a virtual clock that ticks every store, and an
 * in-memory network. Everything random comes from the one seed.
 */
public final class SimCluster implements AutoCloseable {

    public static final long CLUSTER_ID = 1;
    public static final long REGION_ID = 1;
    /** Virtual milliseconds per Raft tick. */
    public static final long TICK_MS = 10;

    public static final long MIN_NETWORK_DELAY_MS = 1;
    public static final long MAX_NETWORK_DELAY_MS = 5;
    /** Tmpfs when the machine has one: every Raft round fsyncs, and the simulator does many. */
    private static final Path FAST_TEMP_ROOT = Path.of("/dev/shm");

    private final long seed;
    private final Random random;
    private final SimLoop loop = new SimLoop();
    private final SimNetwork network;
    private final Map<Long, SimStore> stores = new LinkedHashMap<>();
    private final Path root;
    private final RaftstoreConfig config;
    private Metapb.Region region;

    /** The raftstore's defaults at the simulator's tick length. */
    public static RaftstoreConfig defaultConfig() {
        return RaftstoreConfig.defaults().withTickIntervalMs(TICK_MS);
    }

    public SimCluster(int storeCount, long seed, RaftstoreConfig config) {
        this(storeCount, seed, config, Metapb.Region.newBuilder().build());
    }

    /** @param range start and end key of the one region (its other fields are filled in) */
    public SimCluster(int storeCount, long seed, RaftstoreConfig config, Metapb.Region range) {
        if (config.tickIntervalMs() != TICK_MS) {
            // The lease runs on the clock and is sized to the tick interval: ticking at another
            // pace than the config says would make it outlive the followers' vote refusal.
            throw new IllegalArgumentException("the simulator ticks every " + TICK_MS + " ms, the config says "
                    + config.tickIntervalMs() + " ms: use SimCluster.defaultConfig() or withTickIntervalMs("
                    + TICK_MS + ")");
        }
        this.seed = seed;
        this.random = new Random(seed);
        this.config = config;
        this.network = new SimNetwork(
                loop, new Random(random.nextLong()), MIN_NETWORK_DELAY_MS, MAX_NETWORK_DELAY_MS, stores::get);
        try {
            Path base = Files.isDirectory(FAST_TEMP_ROOT) && Files.isWritable(FAST_TEMP_ROOT)
                    ? FAST_TEMP_ROOT
                    : Path.of(System.getProperty("java.io.tmpdir"));
            this.root = Files.createTempDirectory(base, "tinykv-sim-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Metapb.Region.Builder regionBuilder = range.toBuilder()
                .setId(REGION_ID)
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1));
        for (long storeId = 1; storeId <= storeCount; storeId++) {
            // Peer id = store id: easy to read in logs.
            regionBuilder.addPeers(Metapb.Peer.newBuilder().setId(storeId).setStoreId(storeId));
        }
        this.region = regionBuilder.build();
        for (long storeId = 1; storeId <= storeCount; storeId++) {
            SimStore store = new SimStore(
                    storeId,
                    root.resolve("store-" + storeId),
                    config,
                    network.transportOf(storeId),
                    new Random(random.nextLong()),
                    loop);
            Engines engines = store.openEngines();
            RaftStore.bootstrapStore(engines, CLUSTER_ID, storeId);
            RaftStore.bootstrapRegion(engines, region);
            stores.put(storeId, store);
        }
        loop.setAfterEvent(() -> {
            drainStores();
            checkInvariants();
        });
    }

    public void start() {
        stores.values().forEach(SimStore::start);
        if (tickPhasesMs == null) {
            loop.every(TICK_MS, () -> stores.values().forEach(SimStore::tick));
            return;
        }
        for (SimStore store : stores.values()) {
            loop.schedule(tickPhasesMs.get(store.storeId()), () -> {
                store.tick();
                loop.every(TICK_MS, store::tick);
            });
        }
    }

    /** Each store's offset within the tick interval, or null when all tick together. */
    private Map<Long, Long> tickPhasesMs;

    /**
     * Before {@link #start}: each store ticks at its own random phase within the tick interval, as
     * independent processes do, instead of all at once. A follower's next tick may then come right
     * after it heard the leader, which is what the lease's margin arithmetic must allow for.
     */
    public void staggerTicks() {
        tickPhasesMs = new java.util.HashMap<>();
        for (long storeId : stores.keySet()) {
            tickPhasesMs.put(storeId, random.nextLong(TICK_MS));
        }
    }

    private void drainStores() {
        boolean worked = true;
        while (worked) {
            worked = false;
            for (SimStore store : stores.values()) {
                worked |= store.drain();
            }
        }
    }

    /** Term to the store that led in it: at most one leader per term (election safety). */
    private final Map<Long, Long> leaderOfTerm = new java.util.HashMap<>();
    /** The highest applied index each peer reported: it never goes back, crashes included. */
    private final Map<Long, Long> maxApplied = new java.util.HashMap<>();

    private void checkInvariants() {
        for (SimStore store : stores.values()) {
            if (!store.isUp()) {
                continue;
            }
            RaftStore.RegionStatus status = store.raftStore().regionStatus(REGION_ID);
            if (status == null) {
                continue;
            }
            if (status.leader()) {
                Long previous = leaderOfTerm.putIfAbsent(status.term(), store.storeId());
                if (previous != null && previous != store.storeId()) {
                    throw new AssertionError("seed " + seed + ": two leaders in term " + status.term() + ": stores "
                            + previous + " and " + store.storeId());
                }
            }
            long peerId = status.peer().getId();
            long before = maxApplied.getOrDefault(peerId, 0L);
            if (status.appliedIndex() < before) {
                throw new AssertionError("seed " + seed + ": peer " + peerId + " on store " + store.storeId()
                        + " applied index went back from " + before + " to " + status.appliedIndex());
            }
            maxApplied.put(peerId, status.appliedIndex());
        }
    }

    public long seed() {
        return seed;
    }

    public SimLoop loop() {
        return loop;
    }

    public SimNetwork network() {
        return network;
    }

    public Random random() {
        return random;
    }

    /** The region as its current leader knows it (the bootstrap region until one is elected). */
    public Metapb.Region region() {
        long leader = leaderStore();
        if (leader != 0) {
            region = stores.get(leader).raftStore().regionStatus(REGION_ID).region();
        }
        return region;
    }

    /** The stores with a peer in {@link #region()}. */
    public List<Long> memberStores() {
        return region().getPeersList().stream()
                .map(Metapb.Peer::getStoreId)
                .sorted()
                .toList();
    }

    public List<Long> storeIds() {
        return List.copyOf(stores.keySet());
    }

    /** The first of {@link #storeIds()} that is not {@code storeId}: a follower of a leader, say. */
    public long storeOtherThan(long storeId) {
        return storeIds().stream().filter(id -> id != storeId).findFirst().orElseThrow();
    }

    /** Every store but {@code storeId}: the other side of a partition that isolates it. */
    public Set<Long> storesOtherThan(long storeId) {
        return Set.copyOf(storeIds().stream().filter(id -> id != storeId).toList());
    }

    public SimStore store(long storeId) {
        return stores.get(storeId);
    }

    public void crash(long storeId) {
        SimStore store = stores.get(storeId);
        if (loseUnsyncedKvWrites && store.isUp()) {
            // The store may come back with an older applied index, and re-applies from its log.
            RaftStore.RegionStatus status = store.raftStore().regionStatus(REGION_ID);
            if (status != null) {
                maxApplied.remove(status.peer().getId());
            }
        }
        store.crash();
    }

    /**
     * The peer on {@code storeId} will restart behind the applied index it reported, on purpose (a
     * test reset its data to wait for a fresh snapshot): the never-goes-back check forgets it.
     */
    public void forgetAppliedIndex(long storeId) {
        region().getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .forEach(p -> maxApplied.remove(p.getId()));
    }

    private boolean loseUnsyncedKvWrites;

    /** From now on every crash loses the kv-engine writes not yet synced ({@link SimStore}). */
    public void loseUnsyncedKvWritesOnCrash() {
        loseUnsyncedKvWrites = true;
        stores.values().forEach(SimStore::loseUnsyncedKvWritesOnCrash);
    }

    /** Stops the store's process while the others run on (see {@link SimStore#stall}). */
    public void stall(long storeId) {
        stores.get(storeId).stall();
    }

    /** Lets a stalled store run again, its held client commands first (see {@link SimStore#resume}). */
    public void resume(long storeId) {
        stores.get(storeId).resume();
    }

    public void restart(long storeId) {
        stores.get(storeId).start();
    }

    /** The store whose peer is leader of the region at the highest term, or 0 when none is up. */
    public long leaderStore() {
        long best = 0;
        long bestTerm = -1;
        for (SimStore store : stores.values()) {
            if (!store.isUp()) {
                continue;
            }
            RaftStore.RegionStatus status = store.raftStore().regionStatus(REGION_ID);
            if (status != null && status.leader() && status.term() > bestTerm) {
                best = store.storeId();
                bestTerm = status.term();
            }
        }
        return best;
    }

    /** Runs virtual time until some store leads the region; returns it (0 after the timeout). */
    public long awaitLeader(long timeoutMs) {
        loop.runUntil(() -> leaderStore() != 0, timeoutMs);
        return leaderStore();
    }

    /** Runs until every up store applied the same index as the leader's last index. */
    public boolean awaitConverged(long timeoutMs) {
        return loop.runUntil(this::converged, timeoutMs);
    }

    private boolean converged() {
        long leader = leaderStore();
        if (leader == 0) {
            return false;
        }
        long target = stores.get(leader).raftStore().regionStatus(REGION_ID).lastIndex();
        for (long member : memberStores()) {
            SimStore store = stores.get(member);
            if (!store.isUp()) {
                continue;
            }
            RaftStore.RegionStatus status = store.raftStore().regionStatus(REGION_ID);
            if (status == null || status.appliedIndex() != target) {
                return false;
            }
        }
        return true;
    }

    /** The user data of the default column family on {@code storeId}, hex keys to hex values. */
    public TreeMap<String, String> dataOf(long storeId) {
        HexFormat hex = HexFormat.of();
        TreeMap<String, String> data = new TreeMap<>();
        Engines engines = stores.get(storeId).raftStore().engines();
        try (SnapshotReader reader = engines.kv().snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT, Keys.DATA_MIN_KEY, Keys.DATA_MAX_KEY)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                data.put(hex.formatHex(it.key()), hex.formatHex(it.value()));
            }
        }
        return data;
    }

    public List<String> describeStores() {
        List<String> lines = new ArrayList<>();
        for (SimStore store : stores.values()) {
            lines.add("store " + store.storeId()
                    + (store.isUp() ? ": " + store.raftStore().regionStatus(REGION_ID) : ": down"));
        }
        return lines;
    }

    @Override
    public void close() {
        stores.values().forEach(SimStore::close);
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
