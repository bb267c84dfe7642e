package io.tinykv.storage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.AbstractNativeReference;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteOptions;

/**
 * Every RocksDB option the engines use, in one place, each with the reason it is set. Options
 * not mentioned here keep RocksDB's defaults on purpose (for example the 4 KiB block size,
 * {@code level_compaction_dynamic_level_bytes = true}, {@code max_open_files = -1}, and
 * {@code use_fsync = false}: {@code fdatasync} is enough on the Linux file systems we target).
 *
 * <p>Owns native objects: close it after every database that used it is closed.
 */
final class RocksDbOptions implements AutoCloseable {

    private static final long KIB = 1024L;
    private static final long MIB = 1024L * KIB;

    /**
     * Flush written SST data to disk every 1 MiB in the background, so that a later sync (or the
     * kernel's writeback) never has to push hundreds of MiB at once and stall foreground writes.
     */
    private static final long BYTES_PER_SYNC = MIB;
    /** The same smoothing for WAL files written without {@code sync}. */
    private static final long WAL_BYTES_PER_SYNC = 512 * KIB;
    /** RocksDB's info LOG files: keep a few for post-mortems, but bound the disk they use. */
    private static final long KEEP_INFO_LOG_FILE_NUM = 10;
    /**
     * Cap on all WAL files of an engine, as a multiple of one memtable. Without a cap a rarely
     * written column family (the lock CF when no transaction runs) keeps every WAL file alive
     * that holds one of its unflushed writes; reaching the cap forces that CF to flush.
     */
    private static final int MAX_TOTAL_WAL_SIZE_IN_WRITE_BUFFERS = 4;
    /**
     * RocksDB's default number of levels. Levels 0 and 1 stay uncompressed: they are small and
     * rewritten often, so compressing them costs CPU (scarce on 2 cores) for little disk saved.
     * The middle levels use LZ4 (cheap, fast to decompress); the bottom level, which with dynamic
     * level sizing holds about 90% of the data, uses ZSTD for the best ratio where it pays most.
     */
    private static final int NUM_LEVELS = 7;

    private static final int UNCOMPRESSED_TOP_LEVELS = 2;

    private final List<AbstractNativeReference> owned = new ArrayList<>();
    private final Cache blockCache;
    private final DBOptions kvDbOptions;
    private final DBOptions raftDbOptions;
    private final Map<Cf, ColumnFamilyOptions> kvCfOptions = new EnumMap<>(Cf.class);
    private final ColumnFamilyOptions raftCfOptions;
    private final WriteOptions syncWrite;
    private final WriteOptions asyncWrite;

    static {
        // Native objects (the cache first of all) need the JNI library before RocksDB's own
        // classes would load it; loading is idempotent.
        RocksDbLibrary.load();
    }

    RocksDbOptions(EngineConfig config) {
        try {
            // One LRU cache for every column family of both engines: memory for reads is bounded
            // by one number, and the busiest CF gets the most of it.
            blockCache = own(new LRUCache(config.blockCacheSizeBytes()));
            Filter bloom = own(new BloomFilter(config.bloomFilterBitsPerKey(), false));

            kvDbOptions = own(dbOptions(config, config.writeBufferSizeBytes()));
            raftDbOptions = own(dbOptions(config, config.raftWriteBufferSizeBytes()));

            // default CF: user values, read by point lookups (RawGet, large transactional values)
            // and by scans, so it gets a bloom filter and the tiered compression.
            kvCfOptions.put(Cf.DEFAULT, own(cfOptions(config.writeBufferSizeBytes(), config, blockCache, bloom, true)));
            // lock CF: few, small, short-lived records (written at prewrite, deleted at commit),
            // looked up by exact key on every transactional read: a bloom filter pays; compression
            // does not (records die in the memtable or L0 and are tiny anyway).
            kvCfOptions.put(Cf.LOCK, own(cfOptions(config.writeBufferSizeBytes(), config, blockCache, bloom, false)));
            // write CF: commit records read by seeks on key + timestamp. A whole-key bloom filter
            // is never consulted by a seek, so it would only cost memory; none here.
            kvCfOptions.put(Cf.WRITE, own(cfOptions(config.writeBufferSizeBytes(), config, blockCache, null, true)));
            // raft engine: the log (point lookups by index when a follower lags, range deletes on
            // log GC) and raft states (point lookups): bloom filter and tiered compression.
            raftCfOptions = own(cfOptions(config.raftWriteBufferSizeBytes(), config, blockCache, bloom, true));

            // The WAL is always on (disableWAL = false): it is what makes a write atomic across
            // column families and durable before the memtable is flushed. sync = true fsyncs the
            // WAL before the write returns; see writeOptions(boolean) for who uses which.
            syncWrite = own(new WriteOptions().setSync(true).setDisableWAL(false));
            asyncWrite = own(new WriteOptions().setSync(false).setDisableWAL(false));
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    DBOptions kvDbOptions() {
        return kvDbOptions;
    }

    DBOptions raftDbOptions() {
        return raftDbOptions;
    }

    ColumnFamilyOptions kvCfOptions(Cf cf) {
        return kvCfOptions.get(cf);
    }

    ColumnFamilyOptions raftCfOptions() {
        return raftCfOptions;
    }

    /**
     * Write options for one write. Durability rules (DESIGN.md §6): the raft engine always syncs
     * (an acknowledged Raft message or vote must survive power loss); the kv engine syncs when it
     * is the only copy of the data (standalone mode), while in Raft mode its writes may be async
     * because the synced raft log can replay them (log GC waits until they are durable).
     */
    WriteOptions writeOptions(boolean sync) {
        return sync ? syncWrite : asyncWrite;
    }

    /**
     * Read options pinned to {@code snapshot} (may be null: the latest state). Checksums are
     * verified on every block read, so corruption surfaces as an error rather than a wrong answer.
     * The caller owns the result.
     */
    static ReadOptions readOptions(Snapshot snapshot) {
        ReadOptions options = new ReadOptions().setVerifyChecksums(true);
        if (snapshot != null) {
            options.setSnapshot(snapshot);
        }
        return options;
    }

    private static DBOptions dbOptions(EngineConfig config, long writeBufferSizeBytes) {
        return new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                // Verify checksums and consistency aggressively when opening and compacting; a
                // corrupt database refuses to open instead of serving wrong data.
                .setParanoidChecks(true)
                // A write torn by a crash at the WAL's tail is dropped (it was never acknowledged);
                // corruption anywhere else fails the open (DESIGN.md §6). PointInTimeRecovery
                // would silently stop replay at a corrupt record and lose synced writes after it.
                .setWalRecoveryMode(Engine.WAL_RECOVERY_MODE)
                .setMaxBackgroundJobs(config.maxBackgroundJobs())
                // One thread per compaction: splitting compactions only helps with spare cores.
                .setMaxSubcompactions(1)
                .setBytesPerSync(BYTES_PER_SYNC)
                .setWalBytesPerSync(WAL_BYTES_PER_SYNC)
                .setKeepLogFileNum(KEEP_INFO_LOG_FILE_NUM)
                .setMaxTotalWalSize(MAX_TOTAL_WAL_SIZE_IN_WRITE_BUFFERS * writeBufferSizeBytes);
    }

    private static ColumnFamilyOptions cfOptions(
            long writeBufferSizeBytes, EngineConfig config, Cache blockCache, Filter bloomOrNull, boolean compress) {
        BlockBasedTableConfig table = new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                // Index and filter blocks live in the shared cache too, so the cache size really
                // bounds read memory (otherwise they are held outside it, unbounded).
                .setCacheIndexAndFilterBlocks(true)
                // ...but L0's are pinned: L0 files are read on every lookup and must not be evicted.
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setWholeKeyFiltering(true);
        if (bloomOrNull != null) {
            table.setFilterPolicy(bloomOrNull);
        }
        ColumnFamilyOptions options = new ColumnFamilyOptions()
                .setWriteBufferSize(writeBufferSizeBytes)
                .setMaxWriteBufferNumber(config.maxWriteBufferNumber())
                .setNumLevels(NUM_LEVELS);
        if (compress) {
            List<CompressionType> perLevel =
                    new ArrayList<>(Collections.nCopies(UNCOMPRESSED_TOP_LEVELS, CompressionType.NO_COMPRESSION));
            perLevel.addAll(Collections.nCopies(NUM_LEVELS - UNCOMPRESSED_TOP_LEVELS, CompressionType.LZ4_COMPRESSION));
            options.setCompressionPerLevel(perLevel).setBottommostCompressionType(CompressionType.ZSTD_COMPRESSION);
        } else {
            options.setCompressionType(CompressionType.NO_COMPRESSION)
                    .setBottommostCompressionType(CompressionType.NO_COMPRESSION);
        }
        // Last, once the table options are complete: RocksJava copies them into a native factory.
        return options.setTableFormatConfig(table);
    }

    private <T extends AbstractNativeReference> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
