package io.tinykv.storage;

/**
 * The tunable settings of the engines, in the units their names say. The server's TOML
 * configuration maps onto this record; {@link RocksDbOptions} turns it into RocksDB options and
 * explains each choice.
 *
 * @param blockCacheSizeBytes size of the one LRU block cache shared by every column family of both
 *     engines (data, index and filter blocks all live in it, so it bounds read memory)
 * @param writeBufferSizeBytes size of one memtable of one kv-engine column family before it is flushed
 * @param raftWriteBufferSizeBytes size of the raft engine's memtable before it is flushed
 * @param maxWriteBufferNumber memtables per column family (one active, the rest being flushed)
 * @param maxBackgroundJobs flush and compaction threads per engine
 * @param bloomFilterBitsPerKey bloom filter bits per key; 10 gives about a 1% false-positive rate
 */
public record EngineConfig(
        long blockCacheSizeBytes,
        long writeBufferSizeBytes,
        long raftWriteBufferSizeBytes,
        int maxWriteBufferNumber,
        int maxBackgroundJobs,
        int bloomFilterBitsPerKey) {

    private static final long MIB = 1024L * 1024L;
    private static final long GIB = 1024L * MIB;

    /** 256 MiB: enough to hold the hot index/filter blocks and data of a small store. */
    public static final long DEFAULT_BLOCK_CACHE_SIZE_BYTES = 256 * MIB;
    /**
     * 8 MiB per core, from 16 to 128 MiB ({@link #writeBufferSizeFor}). The kv engine's writes land
     * at random places in its memtable's skip list, and each insertion walks the list from the top:
     * in a 64 MiB memtable (some 200,000 entries of a few hundred bytes) that walk misses the CPU
     * caches at nearly every step, and it was a quarter of a follower's Raft thread under a write
     * load (perf, stop 23). With 16 MiB a put takes about 30% less time, background flushes
     * included ({@code MemtableInsertBenchmark}, bench/README.md). A 2-core laptop gets 16 MiB; a
     * many-core server, whose write rate would otherwise flush small memtables too often and pile
     * up level-0 files, gets up to TiKV's 128 MiB.
     */
    public static final long DEFAULT_WRITE_BUFFER_SIZE_BYTES =
            writeBufferSizeFor(Runtime.getRuntime().availableProcessors());

    static final long WRITE_BUFFER_BYTES_PER_CORE = 8 * MIB;
    static final long MIN_DEFAULT_WRITE_BUFFER_SIZE_BYTES = 16 * MIB;
    static final long MAX_DEFAULT_WRITE_BUFFER_SIZE_BYTES = 128 * MIB;
    /**
     * 64 MiB: RocksDB's own default. The raft engine appends its log in key order, so an insertion
     * costs the same at any memtable size; a large one lets most entries die there (log GC deletes
     * them with a range tombstone) before they are ever flushed.
     */
    public static final long DEFAULT_RAFT_WRITE_BUFFER_SIZE_BYTES = 64 * MIB;
    /** 2: one memtable takes writes while the previous one is flushed. */
    public static final int DEFAULT_MAX_WRITE_BUFFER_NUMBER = 2;
    /**
     * A quarter of the cores, from 2 to 8 ({@link #backgroundJobsFor}): on a 2-core laptop one
     * flush and one compaction thread per engine keep background work from starving the Raft and
     * gRPC threads; a 32-core server gets 8, so compaction keeps up with its write rate.
     */
    public static final int DEFAULT_MAX_BACKGROUND_JOBS =
            backgroundJobsFor(Runtime.getRuntime().availableProcessors());

    static final int MIN_DEFAULT_BACKGROUND_JOBS = 2;
    static final int MAX_DEFAULT_BACKGROUND_JOBS = 8;
    static final int CORES_PER_BACKGROUND_JOB = 4;
    /** 10 bits per key: about a 1% false-positive rate for point lookups. */
    public static final int DEFAULT_BLOOM_FILTER_BITS_PER_KEY = 10;

    static final long MIN_BLOCK_CACHE_SIZE_BYTES = MIB;
    static final long MIN_WRITE_BUFFER_SIZE_BYTES = MIB;
    /** RocksDB rejects memtables above 64 GiB; far less than that is sane for one store. */
    static final long MAX_WRITE_BUFFER_SIZE_BYTES = 4 * GIB;

    static final int MIN_MAX_WRITE_BUFFER_NUMBER = 2;
    static final int MAX_MAX_WRITE_BUFFER_NUMBER = 16;
    static final int MAX_MAX_BACKGROUND_JOBS = 64;
    static final int MAX_BLOOM_FILTER_BITS_PER_KEY = 64;

    /**
     * @throws IllegalArgumentException naming the setting that is out of range
     */
    public EngineConfig {
        requireAtLeast("blockCacheSizeBytes", blockCacheSizeBytes, MIN_BLOCK_CACHE_SIZE_BYTES);
        requireInRange(
                "writeBufferSizeBytes", writeBufferSizeBytes, MIN_WRITE_BUFFER_SIZE_BYTES, MAX_WRITE_BUFFER_SIZE_BYTES);
        requireInRange(
                "raftWriteBufferSizeBytes",
                raftWriteBufferSizeBytes,
                MIN_WRITE_BUFFER_SIZE_BYTES,
                MAX_WRITE_BUFFER_SIZE_BYTES);
        requireInRange(
                "maxWriteBufferNumber", maxWriteBufferNumber, MIN_MAX_WRITE_BUFFER_NUMBER, MAX_MAX_WRITE_BUFFER_NUMBER);
        requireInRange("maxBackgroundJobs", maxBackgroundJobs, 1, MAX_MAX_BACKGROUND_JOBS);
        requireInRange("bloomFilterBitsPerKey", bloomFilterBitsPerKey, 1, MAX_BLOOM_FILTER_BITS_PER_KEY);
    }

    /** The default flush and compaction threads per engine on a machine with {@code cores} cores. */
    static int backgroundJobsFor(int cores) {
        return Math.clamp(cores / CORES_PER_BACKGROUND_JOB, MIN_DEFAULT_BACKGROUND_JOBS, MAX_DEFAULT_BACKGROUND_JOBS);
    }

    /** The default kv-engine memtable size on a machine with {@code cores} cores. */
    static long writeBufferSizeFor(int cores) {
        return Math.clamp(
                cores * WRITE_BUFFER_BYTES_PER_CORE,
                MIN_DEFAULT_WRITE_BUFFER_SIZE_BYTES,
                MAX_DEFAULT_WRITE_BUFFER_SIZE_BYTES);
    }

    /** The defaults, each documented on its constant. */
    public static EngineConfig defaults() {
        return new EngineConfig(
                DEFAULT_BLOCK_CACHE_SIZE_BYTES,
                DEFAULT_WRITE_BUFFER_SIZE_BYTES,
                DEFAULT_RAFT_WRITE_BUFFER_SIZE_BYTES,
                DEFAULT_MAX_WRITE_BUFFER_NUMBER,
                DEFAULT_MAX_BACKGROUND_JOBS,
                DEFAULT_BLOOM_FILTER_BITS_PER_KEY);
    }

    public EngineConfig withBlockCacheSizeBytes(long value) {
        return new EngineConfig(
                value,
                writeBufferSizeBytes,
                raftWriteBufferSizeBytes,
                maxWriteBufferNumber,
                maxBackgroundJobs,
                bloomFilterBitsPerKey);
    }

    public EngineConfig withWriteBufferSizeBytes(long value) {
        return new EngineConfig(
                blockCacheSizeBytes,
                value,
                raftWriteBufferSizeBytes,
                maxWriteBufferNumber,
                maxBackgroundJobs,
                bloomFilterBitsPerKey);
    }

    public EngineConfig withRaftWriteBufferSizeBytes(long value) {
        return new EngineConfig(
                blockCacheSizeBytes,
                writeBufferSizeBytes,
                value,
                maxWriteBufferNumber,
                maxBackgroundJobs,
                bloomFilterBitsPerKey);
    }

    public EngineConfig withMaxWriteBufferNumber(int value) {
        return new EngineConfig(
                blockCacheSizeBytes,
                writeBufferSizeBytes,
                raftWriteBufferSizeBytes,
                value,
                maxBackgroundJobs,
                bloomFilterBitsPerKey);
    }

    public EngineConfig withMaxBackgroundJobs(int value) {
        return new EngineConfig(
                blockCacheSizeBytes,
                writeBufferSizeBytes,
                raftWriteBufferSizeBytes,
                maxWriteBufferNumber,
                value,
                bloomFilterBitsPerKey);
    }

    public EngineConfig withBloomFilterBitsPerKey(int value) {
        return new EngineConfig(
                blockCacheSizeBytes,
                writeBufferSizeBytes,
                raftWriteBufferSizeBytes,
                maxWriteBufferNumber,
                maxBackgroundJobs,
                value);
    }

    private static void requireAtLeast(String setting, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(
                    "storage setting " + setting + " must be at least " + min + ", got " + value);
        }
    }

    private static void requireInRange(String setting, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "storage setting " + setting + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
