package io.tinykv.txn.mvcc;

/** One key produced by an MVCC scan. */
public sealed interface ScanEntry {

    byte[] key();

    /** The key's visible value ({@code null} for key-only scans). */
    record Value(byte[] key, byte[] value) implements ScanEntry {}

    /** The key is locked by a transaction the reader has to resolve first. */
    record Locked(byte[] key, Lock lock) implements ScanEntry {}
}
