/**
 * Percolator transactions over a {@link io.tinykv.storage.Storage}: {@link io.tinykv.txn.TxnCommands}
 * is the transactional half of the {@code tikvpb.Tikv} service (KvGet, KvScan, KvBatchGet,
 * KvPrewrite, KvCommit, KvBatchRollback, KvCheckTxnStatus, KvResolveLock, KvCleanup,
 * KvTxnHeartBeat), request in, response out, with kvproto's error shapes.
 *
 * <p>Layers, bottom up: {@code mvcc} (key encoding, lock and commit records, the write buffer
 * and the snapshot reader), {@code latch} (serialization of commands on the same keys),
 * {@code command} (one class per RPC).
 */
package io.tinykv.txn;
