package io.tinykv.storage;

/**
 * A cursor over one column family of a consistent snapshot, in ascending byte order of keys
 * (unsigned lexicographic). Single-threaded; close it before its reader.
 */
public interface KvIterator extends AutoCloseable {

    /** Positions at the first key {@code >= key}. */
    void seek(byte[] key);

    /** Positions at the last key {@code <= key}. */
    void seekForPrev(byte[] key);

    void seekToFirst();

    void seekToLast();

    boolean valid();

    void next();

    void prev();

    /** The current key; only while {@link #valid()}. */
    byte[] key();

    /** The current value; only while {@link #valid()}. */
    byte[] value();

    @Override
    void close();
}
