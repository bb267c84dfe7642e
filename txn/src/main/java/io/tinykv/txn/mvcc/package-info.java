/**
 * Multi-version storage of transactional data in three column families, as TiKV lays it out:
 * {@code default} holds values at {@code (key, start_ts)}, {@code lock} holds at most one
 * {@link io.tinykv.txn.mvcc.Lock} per key, {@code write} holds commit and rollback records
 * ({@link io.tinykv.txn.mvcc.Write}) at {@code (key, commit_ts)}. Keys are memcomparable-encoded
 * ({@link io.tinykv.proto.MemComparableCodec}) with the inverted timestamp appended
 * ({@link io.tinykv.txn.mvcc.MvccKey}), so newer versions sort first. Timestamps are unsigned.
 */
package io.tinykv.txn.mvcc;
