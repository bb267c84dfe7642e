package io.tinykv.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.IngestExternalFileOptions;
import org.rocksdb.LevelMetaData;
import org.rocksdb.Range;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.SizeApproximationFlag;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.SstFileMetaData;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RocksDB database: the kv engine or the raft engine of a store. Thread-safe.
 *
 * <p>Every native call goes through {@link #guarded}, which holds a read lock and checks that the
 * engine is open; {@link #close} takes the write lock, so closing the engine while other threads
 * read, write or iterate never frees memory under them (which would crash the JVM): they finish
 * first, and any later call fails with {@link IllegalStateException}. Readers and iterators still
 * open at close are released by the engine.
 *
 * <p>A failed write is reported as {@link StorageException} and must stop the store: after a
 * failed WAL sync RocksDB refuses further writes, and the caller must not retry and carry on.
 */
public final class Engine implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);

    /** RocksDB's file names, for recognizing a database directory that lost its CURRENT file. */
    private static final String CURRENT_FILE_NAME = "CURRENT";

    private static final String MANIFEST_FILE_PREFIX = "MANIFEST-";
    private static final String SST_FILE_SUFFIX = ".sst";
    private static final String WAL_FILE_SUFFIX = ".log";
    /** How RocksDB (via strerror) reports a missing file. */
    private static final String NO_SUCH_FILE = "No such file or directory";

    /**
     * How every RocksDB database of ours replays its WAL at open (the engines here, the
     * scheduler's metadata): a record torn by a crash at the tail is dropped (it was never
     * acknowledged); corruption anywhere else fails the open (DESIGN.md §6). PointInTimeRecovery
     * would silently stop at a corrupt record and lose the synced writes after it.
     */
    public static final WALRecoveryMode WAL_RECOVERY_MODE = WALRecoveryMode.TolerateCorruptedTailRecords;

    /** The two engines of a store. */
    public enum Kind {
        /** User data in {@code default}, {@code lock}, {@code write}, plus apply and region states. */
        KV("kv", EnumSet.allOf(Cf.class), false),
        /**
         * The Raft log and Raft states; one column family. Not always synced: a write whose only
         * change is a commit index may skip the fsync (etcd's MustSync rule; the raftstore decides).
         */
        RAFT("raft", EnumSet.of(Cf.DEFAULT), false);

        private final String displayName;
        private final Set<Cf> columnFamilies;
        private final boolean alwaysSync;

        Kind(String displayName, Set<Cf> columnFamilies, boolean alwaysSync) {
            this.displayName = displayName;
            this.columnFamilies = Collections.unmodifiableSet(columnFamilies);
            this.alwaysSync = alwaysSync;
        }

        public String displayName() {
            return displayName;
        }

        public Set<Cf> columnFamilies() {
            return columnFamilies;
        }

        /** Whether every write must be synced (DESIGN.md §6: the raft engine's are). */
        public boolean alwaysSync() {
            return alwaysSync;
        }
    }

    /** A native call that may fail with a RocksDB error. */
    @FunctionalInterface
    interface RocksCall<T> {
        T call() throws RocksDBException;
    }

    private final Kind kind;
    private final Path path;
    private final RocksDB db;
    private final Map<Cf, ColumnFamilyHandle> handles;
    private final RocksDbOptions options;
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final Set<SnapshotReader> openReaders = ConcurrentHashMap.newKeySet();
    /** Written only under the write lock, read under the read lock (or, racily, by {@link #isOpen}). */
    private volatile boolean closed;

    private volatile Runnable syncListener = () -> {};
    private final ProcessHalter halter;
    /** The test seam; null in production. */
    private volatile StorageFaults faults;

    private Engine(
            Kind kind,
            Path path,
            RocksDB db,
            Map<Cf, ColumnFamilyHandle> handles,
            RocksDbOptions options,
            ProcessHalter halter) {
        this.kind = kind;
        this.path = path;
        this.db = db;
        this.handles = handles;
        this.options = options;
        this.halter = halter;
    }

    /**
     * Opens (creating if missing) the engine in {@code path}. The options must outlive the engine.
     *
     * @param halter stops the process when the sync at {@link #close} fails
     * @throws StorageException naming the path and the cause when it cannot be opened
     */
    static Engine open(Kind kind, Path path, RocksDbOptions options, ProcessHalter halter) {
        prepareDirectory(kind, path);
        List<Cf> cfs = List.copyOf(kind.columnFamilies());
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>(cfs.size());
        for (Cf cf : cfs) {
            descriptors.add(new ColumnFamilyDescriptor(
                    cf.apiName().getBytes(StandardCharsets.UTF_8),
                    kind == Kind.KV ? options.kvCfOptions(cf) : options.raftCfOptions()));
        }
        List<ColumnFamilyHandle> handleList = new ArrayList<>(cfs.size());
        RocksDB db;
        try {
            db = RocksDB.open(
                    kind == Kind.KV ? options.kvDbOptions() : options.raftDbOptions(),
                    path.toString(),
                    descriptors,
                    handleList);
        } catch (RocksDBException e) {
            handleList.forEach(ColumnFamilyHandle::close);
            throw openFailure(kind, path, e);
        }
        Map<Cf, ColumnFamilyHandle> handles = new EnumMap<>(Cf.class);
        for (int i = 0; i < cfs.size(); i++) {
            handles.put(cfs.get(i), handleList.get(i));
        }
        LOG.info("opened {} engine at {}", kind.displayName(), path);
        return new Engine(kind, path, db, handles, options, halter);
    }

    public Kind kind() {
        return kind;
    }

    /** Whether the engine is still open (false once {@link #close} began its work). */
    public boolean isOpen() {
        return !closed;
    }

    public Path path() {
        return path;
    }

    /** The latest value of {@code key} in {@code cf}, or {@code null} when absent. */
    public byte[] get(Cf cf, byte[] key) {
        ColumnFamilyHandle handle = handle(cf);
        return guarded("get", () -> db.get(handle, key));
    }

    /**
     * The latest value of {@code key} parsed as a protobuf message, or {@code null} when absent.
     *
     * @throws StorageException when the stored bytes do not parse (the record is corrupt)
     */
    public <T> T getMessage(Cf cf, byte[] key, Parser<T> parser) {
        byte[] bytes = get(cf, key);
        return bytes == null ? null : parse(bytes, parser, cf, key);
    }

    /** A new, empty write batch for this engine; close it (try-with-resources). */
    public EngineWriteBatch newWriteBatch() {
        return new EngineWriteBatch(this);
    }

    /**
     * Writes {@code batch} atomically: all of it or, after a crash, none of it. With {@code sync}
     * the WAL is synced before this returns, so the write survives power loss.
     *
     * @throws IllegalArgumentException when the batch belongs to another engine, or when an
     *     unsynced write is asked of an engine whose writes must always be synced
     * @throws StorageException when RocksDB fails the write (the store must stop)
     */
    public void write(EngineWriteBatch batch, boolean sync) {
        if (batch.engine() != this) {
            throw new IllegalArgumentException("write batch of the "
                    + batch.engine().kind.displayName() + " engine written to the " + kind.displayName() + " engine");
        }
        if (kind.alwaysSync() && !sync) {
            throw new IllegalArgumentException(
                    "writes to the " + kind.displayName() + " engine must be synced (DESIGN.md §6)");
        }
        guarded("write", () -> {
            checkFault(StorageFaults.Point.WRITE, "write");
            db.write(options.writeOptions(sync), batch.nativeBatch());
            return null;
        });
        if (sync) {
            syncListener.run();
        }
    }

    /**
     * Runs {@code listener} after every synced write and WAL sync, on the thread that synced: the
     * moments when everything written so far became durable. For test harnesses that model what
     * a crash keeps (the simulator checkpoints the engine there); null removes it.
     */
    public void onSynced(Runnable listener) {
        this.syncListener = listener == null ? () -> {} : listener;
    }

    /**
     * Writes a consistent copy of the engine as of now into {@code target} (which must not exist):
     * SST files hard-linked, the rest copied, memtables flushed first. It opens as an engine of
     * this kind.
     *
     * @throws StorageException naming the target when RocksDB cannot create it
     */
    public void checkpoint(Path target) {
        guarded("checkpoint to " + target, () -> {
            try (Checkpoint checkpoint = Checkpoint.create(db)) {
                checkpoint.createCheckpoint(target.toString());
            }
            return null;
        });
    }

    /** A consistent snapshot of this engine as of now; close it when done. */
    public SnapshotReader snapshot() {
        return guarded("snapshot", () -> {
            Snapshot snapshot = db.getSnapshot();
            SnapshotReader reader;
            try {
                reader = new SnapshotReader(this, snapshot);
            } catch (RuntimeException | Error e) {
                db.releaseSnapshot(snapshot);
                throw e;
            }
            openReaders.add(reader);
            return reader;
        });
    }

    /**
     * Adds the SST files (written by {@link SstFileBuilder}) to {@code cf}, atomically for the
     * list: their keys become visible at once, newer than every write so far (so they win over
     * range deletions written before). The files are copied, not moved: the caller keeps them
     * until it no longer needs them (for instance to resume an interrupted snapshot) and deletes
     * them. Ingestion is durable when this returns (RocksDB records it in its synced MANIFEST).
     *
     * @throws StorageException naming the files when RocksDB refuses them (a damaged file, keys
     *     out of order)
     */
    public void ingestExternalFiles(Cf cf, List<Path> files) {
        ColumnFamilyHandle handle = handle(cf);
        if (files.isEmpty()) {
            return;
        }
        List<String> paths = files.stream().map(Path::toString).toList();
        guarded("ingest " + paths + " into " + cf.apiName(), () -> {
            checkFault(StorageFaults.Point.INGEST, "ingest");
            try (IngestExternalFileOptions options = new IngestExternalFileOptions()
                    .setMoveFiles(false)
                    .setSnapshotConsistency(true)
                    .setAllowGlobalSeqNo(true)
                    .setAllowBlockingFlush(true)) {
                db.ingestExternalFile(handle, paths, options);
            }
            return null;
        });
    }

    /**
     * Compacts {@code cf}'s keys in {@code [start, end)} through every level down to the
     * bottommost, rewriting the bottommost files too: deleted records and their tombstones are
     * dropped there unless a snapshot still needs them. Deletes alone only add tombstones, so this
     * is how space freed by MVCC GC comes back. The memtable is flushed first when it overlaps the
     * range. Blocks the caller until done (seconds on a large range): call it from a worker.
     *
     * @throws StorageException when RocksDB fails the compaction
     */
    public void compactRange(Cf cf, byte[] start, byte[] end) {
        ColumnFamilyHandle handle = handle(cf);
        guarded("compact " + cf.apiName() + " [" + Keys.describe(start) + ", " + Keys.describe(end) + ")", () -> {
            try (CompactRangeOptions options = new CompactRangeOptions()
                    .setExclusiveManualCompaction(false)
                    .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForceOptimized)) {
                db.compactRange(handle, start, end, options);
            }
            return null;
        });
    }

    /**
     * Point-deletion tombstones in the SST files of {@code cf} that overlap {@code [start, end)}
     * (whole files: a file reaching past the range counts all of its tombstones; the memtable's
     * are not counted until it is flushed). What a compaction of the range could drop.
     */
    public long sstDeletions(Cf cf, byte[] start, byte[] end) {
        ColumnFamilyHandle handle = handle(cf);
        return guarded("file metadata of " + cf.apiName(), () -> {
            // Not getPropertiesOfTablesInRange: RocksJava's binding of it fails (it hands back an
            // array where it promises a map). Live file metadata carries the same counts.
            long deletions = 0;
            for (LevelMetaData level : db.getColumnFamilyMetaData(handle).levels()) {
                for (SstFileMetaData file : level.files()) {
                    if (Arrays.compareUnsigned(file.largestKey(), start) >= 0
                            && Arrays.compareUnsigned(file.smallestKey(), end) < 0) {
                        deletions += file.numDeletions();
                    }
                }
            }
            return deletions;
        });
    }

    /**
     * The approximate bytes {@code cf}'s keys in {@code [start, end)} take in SST files on disk
     * (RocksDB's estimate from the files' index blocks; the memtable is not counted).
     */
    public long sstBytes(Cf cf, byte[] start, byte[] end) {
        ColumnFamilyHandle handle = handle(cf);
        return guarded("approximate size of " + cf.apiName(), () -> {
            try (Slice from = new Slice(start);
                    Slice to = new Slice(end)) {
                return db.getApproximateSizes(
                                handle, List.of(new Range(from, to)), SizeApproximationFlag.INCLUDE_FILES)[0];
            }
        });
    }

    /**
     * Writes {@code cf}'s memtable out to an SST file, so that what was written so far shows in
     * {@link #sstBytes} and {@link #sstDeletions}. Durable like any flush.
     */
    public void flush(Cf cf) {
        ColumnFamilyHandle handle = handle(cf);
        guarded("flush " + cf.apiName(), () -> {
            try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
                db.flush(options, handle);
            }
            return null;
        });
    }

    /** Makes every write so far durable (syncs the WAL), including those written without sync. */
    public void syncWal() {
        guarded("sync WAL", () -> {
            checkFault(StorageFaults.Point.SYNC, "sync WAL");
            db.flushWal(true);
            return null;
        });
        syncListener.run();
    }

    /**
     * Closes the engine: releases open readers and iterators, waits for calls in flight, stops
     * background work and closes the database. Idempotent.
     */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (SnapshotReader reader : List.copyOf(openReaders)) {
                reader.releaseNative();
            }
            openReaders.clear();
            // Unsynced kv writes become durable now rather than at the next start's WAL replay. If
            // that fails they may be lost while the process exits as if all were well: fail-stop.
            ProcessHalter.HaltedException syncFailed = null;
            try {
                checkFault(StorageFaults.Point.SYNC, "sync WAL at close");
                db.flushWal(true);
            } catch (RocksDBException | StorageException e) {
                syncFailed = halter.halt("closing the " + this + ": WAL sync", e);
            }
            db.cancelAllBackgroundWork(true);
            handles.values().forEach(ColumnFamilyHandle::close);
            try {
                db.closeE();
            } catch (RocksDBException e) {
                throw new StorageException(
                        "closing the " + kind.displayName() + " engine at " + path + " failed: " + e.getMessage(), e);
            }
            if (syncFailed != null) {
                throw syncFailed;
            }
            LOG.info("closed {} engine at {}", kind.displayName(), path);
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    /**
     * TEST SEAM: from now on the operations {@code faults} arms fail with a
     * {@link StorageException}, as on a failing disk; null removes it. Never called in production.
     */
    public void injectFaults(StorageFaults faults) {
        this.faults = faults;
    }

    private void checkFault(StorageFaults.Point point, String operation) {
        StorageFaults f = faults;
        if (f != null) {
            f.check(point, this + ": " + operation);
        }
    }

    @Override
    public String toString() {
        return kind.displayName() + " engine at " + path;
    }

    // ---- package-private plumbing for readers, iterators and batches ----

    RocksDB db() {
        return db;
    }

    /**
     * The handle of {@code cf}.
     *
     * @throws IllegalArgumentException when this engine has no such column family
     */
    ColumnFamilyHandle handle(Cf cf) {
        ColumnFamilyHandle handle = handles.get(cf);
        if (handle == null) {
            throw new IllegalArgumentException("the " + kind.displayName()
                    + " engine has no column family '" + cf.apiName() + "' (it has "
                    + kind.columnFamilies().stream().map(Cf::apiName).toList() + ")");
        }
        return handle;
    }

    /**
     * Runs {@code call} while the engine is guaranteed to stay open; RocksDB errors become
     * {@link StorageException}s naming the engine and the operation.
     *
     * @throws IllegalStateException when the engine is closed
     */
    <T> T guarded(String operation, RocksCall<T> call) {
        lifecycle.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException(this + " is closed (" + operation + ")");
            }
            return call.call();
        } catch (RocksDBException e) {
            throw new StorageException(this + ": " + operation + " failed: " + e.getMessage(), e);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** Like {@link #guarded} but does nothing when the engine is closed (it released everything). */
    void releaseIfOpen(Runnable release) {
        lifecycle.readLock().lock();
        try {
            if (!closed) {
                release.run();
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    void forget(SnapshotReader reader) {
        openReaders.remove(reader);
    }

    <T> T parse(byte[] bytes, Parser<T> parser, Cf cf, byte[] key) {
        try {
            return parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException(
                    this + ": corrupt record at key " + Keys.describe(key) + " in column family '" + cf.apiName()
                            + "': " + e.getMessage(),
                    e);
        }
    }

    /** Whether {@code path} holds a RocksDB database (its {@code CURRENT} file, or any database file). */
    static boolean holdsDatabase(Path path) {
        if (Files.exists(path.resolve(CURRENT_FILE_NAME))) {
            return true;
        }
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (var entries = Files.list(path)) {
            return entries.map(p -> p.getFileName().toString())
                    .anyMatch(name -> name.startsWith(MANIFEST_FILE_PREFIX)
                            || name.endsWith(SST_FILE_SUFFIX)
                            || name.endsWith(WAL_FILE_SUFFIX));
        } catch (IOException e) {
            throw new StorageException("cannot list " + path + ": " + e, e);
        }
    }

    private static void prepareDirectory(Kind kind, Path path) {
        if (Files.exists(path) && !Files.isDirectory(path)) {
            throw new StorageException(
                    "cannot open " + kind.displayName() + " engine at " + path + ": it exists and is not a directory");
        }
        try {
            Files.createDirectories(path);
        } catch (IOException e) {
            throw new StorageException(
                    "cannot open " + kind.displayName() + " engine at " + path + ": cannot create the directory (" + e
                            + ")",
                    e);
        }
        if (!Files.isWritable(path)) {
            throw new StorageException(
                    "cannot open " + kind.displayName() + " engine at " + path + ": the directory is not writable");
        }
        refuseOrphanedFiles(kind, path);
    }

    /**
     * RocksDB, told to create missing databases, treats a directory without {@code CURRENT} as
     * empty and creates a new database there; the old files would then be deleted as obsolete.
     * A lost {@code CURRENT} beside data files is damage, not a fresh start: refuse.
     */
    private static void refuseOrphanedFiles(Kind kind, Path path) {
        if (Files.exists(path.resolve(CURRENT_FILE_NAME))) {
            return;
        }
        List<String> databaseFiles;
        try (var entries = Files.list(path)) {
            databaseFiles = entries.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith(MANIFEST_FILE_PREFIX)
                            || name.endsWith(SST_FILE_SUFFIX)
                            || name.endsWith(WAL_FILE_SUFFIX))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new StorageException(
                    "cannot open " + kind.displayName() + " engine at " + path + ": cannot list the directory (" + e
                            + ")",
                    e);
        }
        if (!databaseFiles.isEmpty()) {
            throw new StorageException("cannot open " + kind.displayName() + " engine at " + path
                    + ": the directory holds database files " + databaseFiles + " but no "
                    + CURRENT_FILE_NAME + " file; refusing to create a new database over them"
                    + " (restore the files, or empty the directory if its data may be discarded)");
        }
    }

    private static StorageException openFailure(Kind kind, Path path, RocksDBException e) {
        Status status = e.getStatus();
        Status.Code code = status == null ? Status.Code.Undefined : status.getCode();
        String detail = String.valueOf(e.getMessage());
        String reason;
        if (code == Status.Code.Corruption) {
            reason = "the database is corrupt; refusing to start";
        } else if (code == Status.Code.IOError
                && detail.toLowerCase(Locale.ROOT).contains("lock")) {
            reason = "the directory is locked: another process, or another Engines in this process, has it open";
        } else if (code == Status.Code.IOError && detail.contains(NO_SUCH_FILE)) {
            reason = "a file of the database is missing (the database is damaged); refusing to start";
        } else if (code == Status.Code.IOError) {
            reason = "I/O error (is the directory writable and the disk healthy?)";
        } else {
            reason = "RocksDB refused to open it";
        }
        return new StorageException(
                "cannot open " + kind.displayName() + " engine at " + path + ": " + reason + " [" + code + ": " + detail
                        + "]",
                e);
    }
}
