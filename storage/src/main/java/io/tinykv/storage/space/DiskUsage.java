package io.tinykv.storage.space;

/**
 * How full the disk holding a store's data is, measured against its reserve (TiKV's three levels).
 * Under the reserve the store refuses writes that grow its data; under half of it, every client
 * write, so that what is left goes to the Raft log of entries already accepted, to RocksDB's
 * flushes and compactions, and to a restart.
 */
public enum DiskUsage {
    /** More free space than the reserve: every write is accepted. */
    NORMAL,
    /**
     * Free space is within the reserve: only deletions, and writes the request allows on an almost
     * full disk (the server allows commands that finish or clean up a transaction), are accepted.
     */
    ALMOST_FULL,
    /** Less than half the reserve is free: no client write is accepted. */
    ALREADY_FULL;

    /** The level of a disk with {@code availableBytes} free, for a reserve of {@code reserveBytes}. */
    public static DiskUsage of(long availableBytes, long reserveBytes) {
        if (reserveBytes <= 0 || availableBytes > reserveBytes) {
            return NORMAL;
        }
        return availableBytes > reserveBytes / 2 ? ALMOST_FULL : ALREADY_FULL;
    }
}
