/**
 * The transactional client: {@link io.tinykv.client.txn.TxnKvClient} begins
 * {@link io.tinykv.client.txn.Transaction}s, snapshot-isolated and committed with Percolator's
 * two-phase commit ({@link io.tinykv.client.txn.TwoPhaseCommitter}, with its one-phase and
 * async-commit variants). Readers and writers clear the locks they meet through
 * {@link io.tinykv.client.txn.LockResolver}; a committing transaction keeps its locks alive with
 * {@link io.tinykv.client.txn.LockHeartbeat}; {@link io.tinykv.client.txn.OpenTransactions} holds PD's
 * GC safe point below the oldest open transaction; {@link io.tinykv.client.txn.TxnEnv} is what all
 * transactions of one client share.
 *
 * <p>Only the client and the transaction are public. What a transaction reports is in
 * {@code io.tinykv.client}: {@link io.tinykv.client.TxnAbortedException} (definitely not committed,
 * {@link io.tinykv.client.WriteConflictException} its run-again case),
 * {@link io.tinykv.client.CommitUnknownException} and {@link io.tinykv.client.KeyLockedException}: they
 * stay beside {@link io.tinykv.client.TinyKvException}, whose sealed hierarchy must share its package.
 */
package io.tinykv.client.txn;
