package io.tinykv.raftstore.sim;

import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.SchedulerReporter;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.Transport;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
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
        }
        return engines;
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
        }
    }

    /** Heartbeats of this store go to {@code reporter} from its next start on. */
    void reportTo(SchedulerReporter reporter) {
        this.reporter = reporter;
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
