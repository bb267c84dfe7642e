package io.tinykv.txn.mvcc;

/** A user key and the lock on it. */
public record LockedKey(byte[] key, Lock lock) {}
