package io.tinykv.storage;

/**
 * A consistent, read-only view of the kv engine at one moment: later writes are invisible to it,
 * and to every iterator opened from it, however long they live.
 */
public interface StorageReader extends AutoCloseable {

    /** The value of {@code key} in {@code cf}, or {@code null} when absent. */
    byte[] get(Cf cf, byte[] key);

    KvIterator iterator(Cf cf);

    @Override
    void close();
}
