package io.tinykv.bench.target;

/**
 * A key-value system under test, reduced to what the workloads need. {@link #open()} is called once
 * before any operation and {@link #close()} once after the last; {@link #get} and {@link #put} are
 * called concurrently by every benchmark client, so implementations must be thread-safe.
 */
public interface BenchTarget extends AutoCloseable {

    /** A short name for tables and reports, e.g. {@code tinykv} or {@code etcd}. */
    String name();

    /** Connects (or opens the store). Failures here abort the run before measuring anything. */
    void open() throws Exception;

    /** The value stored under {@code key}, or {@code null} when there is none. */
    byte[] get(byte[] key) throws Exception;

    /**
     * Stores {@code value} under {@code key}; durable as the system defines it when this returns.
     * The caller reuses both arrays afterwards, so implementations copy what they keep.
     */
    void put(byte[] key, byte[] value) throws Exception;

    @Override
    void close() throws Exception;
}
