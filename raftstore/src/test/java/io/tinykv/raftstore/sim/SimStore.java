package io.tinykv.raftstore.sim;

import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.SchedulerReporter;
import io.tinykv.raftstore.SnapshotManager;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.Transport;
import io.tinykv.storage.Engines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.Random;
import java.util.concurrent.Executor;

/**
 * One simulated store process: real engines in a directory that outlives crashes, and a
 * {@link RaftStore} that does not. A crash drops the store's memory (its peers, mailboxes and
 * pending callbacks, which are never answered, as with a dead process) and closes the engines;
 * restart reopens the engines and builds a new store from what they hold.
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
            }
        }
        return engines;
    }

    /**
     * From now on a crash loses what the kv engine took since its last synced write or WAL sync,
     * as a power cut would: at every sync the engine is checkpointed (a consistent copy, which is
     * then exactly the durable state), and a crash puts that copy back in place of the engine.
     * The raft engine's writes are all synced and survive. (A real crash may keep more, e.g. what
     * a memtable flush made durable; losing it all is one of the outcomes a store must survive.)
     */
    void loseUnsyncedKvWritesOnCrash() {
        loseUnsyncedKvWrites = true;
        openEngines().kv().onSynced(this::checkpointSyncedKv);
        // Everything written so far (bootstrap) was synced.
        checkpointSyncedKv();
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
        Executor workers = task -> loop.schedule(0, () -> {
            if (isUp() && incarnation == myIncarnation) {
                task.run();
            }
        });
        raftStore = new RaftStore(storeId, openEngines(), config, transport, reporter, workers,
                new Random(random.nextLong()));
    }

    /**
     * Kills the process: memory is gone, unanswered callbacks stay unanswered. The engines are closed,
     * which keeps every write they took (RocksDB's WAL; the raft engine's writes were synced).
     */
    void crash() {
        raftStore = null;
        if (engines != null) {
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

    /** Runs Raft rounds until the store has no work left. */
    boolean drain() {
        boolean worked = false;
        while (raftStore != null && raftStore.hasWork()) {
            worked |= raftStore.pollOnce();
        }
        return worked;
    }

    void close() {
        crash();
    }
}
