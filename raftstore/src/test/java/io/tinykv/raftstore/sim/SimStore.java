package io.tinykv.raftstore.sim;

import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.Transport;
import io.tinykv.raftstore.pd.SchedulerReporter;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executor;
import java.util.stream.Stream;

/**
 * One simulated store process: real engines in a directory that outlives crashes, and a
 * {@link RaftStore} that does not. A crash drops the store's memory (its peers, mailboxes and
 * pending callbacks, which are never answered, as with a dead process) and closes the engines;
 * restart reopens the engines and builds a new store from what they hold.
 *
 * <p>A store can also <em>stall</em> ({@link #stall}): the whole process stops, as under SIGSTOP, a
 * long GC pause or a disk that blocks its Raft thread, while the other stores run on. It neither
 * ticks nor runs Raft rounds nor workers, and reads no clock; what reaches it meanwhile (Raft
 * messages, client commands, snapshot reports) piles up in its inbox. Its monotonic clock is the
 * simulator's time, so on resume it shows the time that passed, as {@code System.nanoTime} does after
 * a pause. {@link #resume} hands the inbox over with the client commands first: a read that reaches
 * the store before the new term's messages is the case a leader lease must survive.
 */
public final class SimStore {

    private final long storeId;
    private final Path dir;
    private final RaftstoreConfig config;
    private final Transport transport;
    private final Random random;
    private final SimLoop loop;
    private Engines engines;
    private RaftStore raftStore;
    private int incarnation;
    /** Where the store's heartbeats go; taken at each start. */
    private SchedulerReporter reporter = SchedulerReporter.NONE;
    /** Whether a crash loses the kv engine's writes made since its last sync (see {@link #crash}). */
    private boolean loseUnsyncedKvWrites;
    /** Whether the process is stopped (see {@link #stall}). */
    private boolean stalled;
    /** Client commands that reached the stalled store, in arrival order. */
    private final List<Runnable> heldCommands = new ArrayList<>();
    /** Raft messages and transport reports that reached the stalled store, in arrival order. */
    private final List<Runnable> heldStoreInput = new ArrayList<>();
    /** The Raft messages among {@link #heldStoreInput}, for tests to see what waits. */
    private final List<RaftMessage> heldRaftMessages = new ArrayList<>();
    /** Worker tasks due while the store was stalled. */
    private final List<Runnable> heldWorkerTasks = new ArrayList<>();

    /**
     * In lose-unsynced mode: each region's raft state (hard state, last index) as the raft engine
     * last synced it; null values for regions that had none then.
     */
    private Map<Long, byte[]> syncedRaftStates = new HashMap<>();
    /** Crashes that took back a raft state written unsynced since the last sync. */
    private long raftStatesLost;

    /** Where the kv engine's state as of its last sync is kept, in lose-unsynced mode. */
    static final String SYNCED_KV_DIR_NAME = "kv-synced";

    SimStore(long storeId, Path dir, RaftstoreConfig config, Transport transport, Random random, SimLoop loop) {
        this.loop = loop;
        this.storeId = storeId;
        this.dir = dir;
        this.config = config;
        this.transport = transport;
        this.random = random;
    }

    long storeId() {
        return storeId;
    }

    /** Opens the engines without starting the store, for bootstrapping. */
    Engines openEngines() {
        if (engines == null) {
            engines = TestEngines.open(dir);
            if (loseUnsyncedKvWrites) {
                engines.kv().onSynced(this::checkpointSyncedKv);
                engines.raft().onSynced(this::rememberSyncedRaftStates);
                rememberSyncedRaftStates();
            }
        }
        return engines;
    }

    /**
     * From now on a crash loses what the kv engine took since its last synced write or WAL sync,
     * as a power cut would: at every sync the engine is checkpointed (a consistent copy, which is
     * then exactly the durable state), and a crash puts that copy back in place of the engine.
     * The raft engine syncs every write that carries entries, a term or a vote; what it writes
     * unsynced is a commit index alone (etcd's MustSync rule), so a crash puts back each region's
     * raft state as of the raft engine's last sync. (A real crash may keep more, e.g. what a
     * memtable flush made durable; losing it all is one of the outcomes a store must survive.)
     */
    void loseUnsyncedKvWritesOnCrash() {
        loseUnsyncedKvWrites = true;
        openEngines().kv().onSynced(this::checkpointSyncedKv);
        engines.raft().onSynced(this::rememberSyncedRaftStates);
        // Everything written so far (bootstrap) was synced.
        checkpointSyncedKv();
        rememberSyncedRaftStates();
    }

    /** How many region raft states crashes took back to their last synced value. */
    public long raftStatesLost() {
        return raftStatesLost;
    }

    private void rememberSyncedRaftStates() {
        Map<Long, byte[]> states = new HashMap<>();
        try (SnapshotReader reader = engines.kv().snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT, Keys.REGION_META_MIN_KEY, Keys.REGION_META_MAX_KEY)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                long regionId = Keys.regionIdOf(it.key());
                states.put(regionId, engines.raft().get(Cf.DEFAULT, Keys.raftStateKey(regionId)));
            }
        }
        syncedRaftStates = states;
    }

    /** Puts back the raft states written since the raft engine's last sync, as a power cut would. */
    private void loseUnsyncedRaftStates() {
        try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
            for (Map.Entry<Long, byte[]> e : syncedRaftStates.entrySet()) {
                byte[] key = Keys.raftStateKey(e.getKey());
                byte[] now = engines.raft().get(Cf.DEFAULT, key);
                if (java.util.Arrays.equals(now, e.getValue())) {
                    continue;
                }
                raftStatesLost++;
                if (e.getValue() == null) {
                    wb.delete(Cf.DEFAULT, key);
                } else {
                    wb.put(Cf.DEFAULT, key, e.getValue());
                }
            }
            if (!wb.isEmpty()) {
                engines.raft().write(wb, true);
            }
        }
    }

    private void checkpointSyncedKv() {
        Path target = dir.resolve(SYNCED_KV_DIR_NAME);
        Path temp = dir.resolve(SYNCED_KV_DIR_NAME + ".tmp");
        deleteTree(temp);
        engines.kv().checkpoint(temp);
        deleteTree(target);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void start() {
        if (raftStore != null) {
            throw new IllegalStateException("store " + storeId + " is already up");
        }
        incarnation++;
        int myIncarnation = incarnation;
        // Workers run as events of their own; a crash kills the work of the dead incarnation.
        Executor workers = new Executor() {
            @Override
            public void execute(Runnable task) {
                loop.schedule(0, () -> {
                    if (!isUp() || incarnation != myIncarnation) {
                        return;
                    }
                    if (stalled) {
                        heldWorkerTasks.add(() -> execute(task));
                    } else {
                        task.run();
                    }
                });
            }
        };
        raftStore = new RaftStore(
                storeId,
                openEngines(),
                config,
                transport,
                reporter,
                workers,
                new Random(random.nextLong()),
                loop::nowNanos);
    }

    /**
     * Kills the process: memory is gone, unanswered callbacks stay unanswered. The engines are closed,
     * which keeps every write they took (RocksDB's WAL; the raft engine's writes were synced).
     */
    void crash() {
        raftStore = null;
        stalled = false;
        heldCommands.clear();
        heldStoreInput.clear();
        heldRaftMessages.clear();
        heldWorkerTasks.clear();
        if (engines != null) {
            if (loseUnsyncedKvWrites) {
                engines.raft().onSynced(null);
                loseUnsyncedRaftStates();
            }
            engines.close();
            engines = null;
            if (loseUnsyncedKvWrites) {
                Path kv = dir.resolve(Engines.KV_DIR_NAME);
                deleteTree(kv);
                copyTree(dir.resolve(SYNCED_KV_DIR_NAME), kv);
            }
        }
    }

    /** Heartbeats of this store go to {@code reporter} from its next start on. */
    void reportTo(SchedulerReporter reporter) {
        this.reporter = reporter;
    }

    /** The store's snapshot directory, which outlives crashes like the engines. */
    SnapshotManager snapshotManager() {
        return SnapshotManager.open(dir);
    }

    boolean isUp() {
        return raftStore != null;
    }

    /** Bumped at every start: callbacks of an earlier incarnation must not be expected. */
    int incarnation() {
        return incarnation;
    }

    public RaftStore raftStore() {
        if (raftStore == null) {
            throw new IllegalStateException("store " + storeId + " is down");
        }
        return raftStore;
    }

    /**
     * Stops the process: from now on the store neither ticks nor runs rounds nor workers, and
     * whatever reaches it waits in its inbox until {@link #resume}.
     */
    void stall() {
        if (!isUp() || stalled) {
            throw new IllegalStateException("store " + storeId + " is " + (isUp() ? "already stalled" : "down"));
        }
        stalled = true;
    }

    /**
     * Lets the process run again. The client commands that arrived meanwhile are handed to the
     * store first, then the Raft messages and transport reports, each in arrival order; the
     * workers' tasks run as events after that.
     */
    void resume() {
        if (!stalled) {
            throw new IllegalStateException("store " + storeId + " is not stalled");
        }
        stalled = false;
        heldCommands.forEach(Runnable::run);
        heldStoreInput.forEach(Runnable::run);
        heldCommands.clear();
        heldStoreInput.clear();
        heldRaftMessages.clear();
        heldWorkerTasks.forEach(task -> loop.schedule(0, task));
        heldWorkerTasks.clear();
    }

    boolean isStalled() {
        return stalled;
    }

    /** The Raft messages waiting in a stalled store's inbox, in arrival order. */
    List<RaftMessage> heldRaftMessages() {
        return List.copyOf(heldRaftMessages);
    }

    /** Client commands waiting in a stalled store's inbox. */
    int heldCommands() {
        return heldCommands.size();
    }

    /** A client command reaches the store (held while it is stalled). */
    public void propose(RaftCmdRequest request, Callback callback) {
        RaftStore store = raftStore();
        if (stalled) {
            heldCommands.add(() -> store.propose(request, callback));
        } else {
            store.propose(request, callback);
        }
    }

    /** A Raft message reaches the store (held while it is stalled). */
    void onRaftMessage(RaftMessage message) {
        RaftStore store = raftStore();
        if (stalled) {
            heldRaftMessages.add(message);
            heldStoreInput.add(() -> store.onRaftMessage(message));
        } else {
            store.onRaftMessage(message);
        }
    }

    /** The transport's report on a snapshot this store sent (held while it is stalled). */
    void onSnapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
        RaftStore store = raftStore();
        if (stalled) {
            heldStoreInput.add(() -> store.onSnapshotStatus(regionId, toPeerId, status));
        } else {
            store.onSnapshotStatus(regionId, toPeerId, status);
        }
    }

    /** One Raft tick of the store's clock; a stalled process misses it (it does not catch up). */
    void tick() {
        if (isUp() && !stalled) {
            raftStore.tick();
        }
    }

    /** Runs Raft rounds until the store has no work left (none while it is stalled). */
    boolean drain() {
        boolean worked = false;
        while (raftStore != null && !stalled && raftStore.hasWork()) {
            worked |= raftStore.pollOnce();
        }
        return worked;
    }

    void close() {
        crash();
    }
}
