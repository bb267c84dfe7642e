package io.tinykv.storage;

/**
 * A consistent, read-only view of the kv engine at one moment: later writes are invisible to it,
 * and to every iterator opened from it, however long they live.
 */
public interface StorageReader extends AutoCloseable {

    /** The value of {@code key} in {@code cf}, or {@code null} when absent. */
    byte[] get(Cf cf, byte[] key);

    KvIterator iterator(Cf cf);

    /**
     * The Raft term in which the region's leader handed out this snapshot, or 0 where there is no
     * elected leader (a single store's storage, a follower's read). Lets a caller tell whether two
     * snapshots came from one leadership or whether leadership changed hands in between.
     */
    default long leaderTerm() {
        return 0;
    }

    @Override
    void close();
}
