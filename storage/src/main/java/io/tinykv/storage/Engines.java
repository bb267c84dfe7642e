package io.tinykv.storage;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two RocksDB databases of one store, under one data directory: the kv engine in
 * {@code <dataDir>/kv} (column families {@code default}, {@code lock}, {@code write}) and the
 * raft engine in {@code <dataDir>/raft}. They share one block cache ({@link RocksDbOptions}).
 *
 * <p>RocksDB locks each database directory, so a data directory can be open in one
 * {@code Engines} at a time, in this process or any other; a second open fails with a
 * {@link StorageException} and touches nothing.
 */
public final class Engines implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engines.class);

    public static final String KV_DIR_NAME = "kv";
    public static final String RAFT_DIR_NAME = "raft";

    private final Path dataDir;
    private final RocksDbOptions options;
    private final Engine kv;
    private final Engine raft;

    private Engines(Path dataDir, RocksDbOptions options, Engine kv, Engine raft) {
        this.dataDir = dataDir;
        this.options = options;
        this.kv = kv;
        this.raft = raft;
    }

    /**
     * Opens (creating if missing) both engines under {@code dataDir}.
     *
     * @throws StorageException naming the path and the cause when either cannot be opened (the
     *     directory is locked by another process, not writable, or holds a corrupt database, or
     *     the kv engine exists without its raft engine); nothing stays open then
     */
    public static Engines open(Path dataDir, EngineConfig config) {
        return open(dataDir, config, ProcessHalter.RUNTIME);
    }

    /**
     * Like {@link #open(Path, EngineConfig)}; {@code halter} stops the process when an engine's
     * WAL sync at close fails (tests pass a recorder).
     */
    public static Engines open(Path dataDir, EngineConfig config, ProcessHalter halter) {
        Path dir = dataDir.toAbsolutePath().normalize();
        refuseKvWithoutRaft(dir);
        RocksDbOptions options = new RocksDbOptions(config);
        Engine raft = null;
        try {
            // The raft engine first: the kv engine's state is derived from the log it holds.
            raft = Engine.open(Engine.Kind.RAFT, dir.resolve(RAFT_DIR_NAME), options, halter);
            Engine kv = Engine.open(Engine.Kind.KV, dir.resolve(KV_DIR_NAME), options, halter);
            LOG.info("opened engines under {} with {}", dir, config);
            return new Engines(dir, options, kv, raft);
        } catch (RuntimeException | Error e) {
            if (raft != null) {
                try {
                    raft.close();
                } catch (RuntimeException closeFailure) {
                    e.addSuppressed(closeFailure);
                }
            }
            options.close();
            throw e;
        }
    }

    /**
     * The raft engine is created before the kv engine, so a kv database without a raft database
     * beside it means the raft engine was lost (deleted, a volume not mounted). Creating a new one
     * would silently forget the store's terms and votes and its unapplied log: refuse.
     */
    private static void refuseKvWithoutRaft(Path dir) {
        Path kv = dir.resolve(KV_DIR_NAME);
        Path raft = dir.resolve(RAFT_DIR_NAME);
        if (Engine.holdsDatabase(kv) && !Engine.holdsDatabase(raft)) {
            throw new StorageException("cannot open the engines under " + dir + ": the kv engine " + kv
                    + " holds a database but the raft engine " + raft + " does not (missing or empty);"
                    + " refusing to create a new raft engine, which would lose the store's Raft terms, votes"
                    + " and log (restore " + raft + ", or remove the whole data directory if this store's"
                    + " data may be discarded)");
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public Engine kv() {
        return kv;
    }

    public Engine raft() {
        return raft;
    }

    /**
     * Closes the kv engine, then the raft engine (the reverse of opening: the derived state goes
     * first, the log it is derived from last), then the shared options. Idempotent.
     */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (Engine engine : new Engine[] {kv, raft}) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        options.close();
        if (failure != null) {
            throw failure;
        }
    }
}
