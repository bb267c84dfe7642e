/**
 * One class per transactional RPC, each a {@link io.tinykv.txn.command.Command}; the per-key
 * steps they share (commit, rollback, cleanup) live in {@code TxnActions}, the error shapes in
 * {@link io.tinykv.txn.command.KeyErrors}.
 */
package io.tinykv.txn.command;
