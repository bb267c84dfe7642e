/**
 * One class per transactional RPC, each a {@link io.tinykv.txn.command.Command}; the per-key
 * steps they share (commit, rollback, cleanup) live in {@code TxnActions}, the error shapes in
 * {@link io.tinykv.txn.command.KeyErrors}.
 *
 * <h2>The lock-resolution protocol</h2>
 *
 * <p>TiKV's semantics, in the answer shapes the TiKV Java client 3.3.5 reads: {@code lock_ttl != 0}
 * means "still running", {@code lock_ttl == 0} means "decided" (and is cached by the client), and
 * then {@code commit_version == 0} means rolled back. T is a transaction with start ts {@code s}
 * and primary P; a reader reads at {@code r}. Each rule names the test that holds it.
 *
 * <p><b>Reads</b> (Get, BatchGet, Scan; {@link io.tinykv.txn.mvcc.ReadView}). A lock of T blocks
 * the read iff {@code s <= r}, it is not a Lock-kind lock, its own {@code min_commit_ts <= r}, the
 * read is not a latest read ({@code r = MAX}) of T's primary itself, and no confirmed bypass applies
 * ({@code ReadCommandsTest}). A bypass through {@code Context.resolved_locks} is honoured only when
 * P, in the same snapshot and region, shows that T cannot commit at or below {@code r}: P's lock
 * carries {@code min_commit_ts > r}, or T committed at P above {@code r}, or T is rolled back. TiKV
 * trusts the list; we do not, because client-java 3.3.5 sends a list learnt at one read ts with
 * later reads at any ts ({@code KVClient}'s one {@code resolvedLocks} set), where T may have
 * committed below the read: P_NEW beside S_OLD, the torn snapshot of P0 issue 11
 * ({@code TornSnapshotInterleavingTest}). An unconfirmed claim (P in another region included) gets
 * the lock reported; the client then resolves it or waits for it.
 *
 * <p><b>CheckTxnStatus(P, s, caller_start_ts, current_ts, rollback_if_not_exist)</b>, under P's
 * latch:
 * <ul>
 *   <li>T's lock on P, but P is not its primary: abort "primary mismatch", nothing changes
 *       ({@code TxnStatusCommandsTest.checkTxnStatusOnASecondaryIsRefused}).
 *   <li>T's lock expired ({@code physical(s) + ttl < physical(current_ts)}; alive at exactly the
 *       deadline): rolled back now; TTLExpireRollback, lock_ttl 0, commit_version 0.
 *   <li>T's lock alive: lock_ttl = its TTL (never 0, which would read as decided:
 *       {@code LockResolutionRulesTest}) and lock_info. If the lock has a {@code min_commit_ts}, the
 *       caller is not a latest read, and {@code min_commit_ts <= caller_start_ts}, it is pushed to
 *       {@code max(caller_start_ts + 1, current_ts)}. The action is MinCommitTSPushed when the
 *       lock's {@code min_commit_ts} is now above the caller (pushed now or earlier) or the caller is
 *       a latest read, else NoAction (a lock without {@code min_commit_ts}: the reader must wait).
 *   <li>No lock of T on P (none, or another transaction's): committed → commit_version; rolled back
 *       → lock_ttl 0, commit_version 0, NoAction; neither → with {@code rollback_if_not_exist} a
 *       rollback record is written (so a late prewrite of P fails) and LockNotExistRollback, without
 *       it TxnNotFound. Another transaction's lock is left alone.
 * </ul>
 *
 * <p><b>After a push</b> to {@code m}: a commit of P below {@code m} is CommitTsExpired (carrying
 * {@code m}); a replayed prewrite or a heartbeat cannot lower {@code m} (both keep the larger
 * value); so no reader that was told MinCommitTSPushed at {@code r < m} can miss T.
 *
 * <p><b>Commit</b>: T's lock gone and T rolled back (or never prewritten) → retryable "txn lock not
 * found", nothing written; below the lock's {@code min_commit_ts} → CommitTsExpired; lock gone with
 * T's commit record present → success (idempotent) ({@code CommitCommandTest}).
 *
 * <p><b>ResolveLock</b>: {@code commit_version} 0 rolls T back, non-0 commits it ({@code > s}
 * required). With {@code keys} (lite) exactly those keys: a rollback writes T's rollback record
 * even without a lock and leaves another transaction's lock alone; a commit of a key where T is
 * rolled back is refused; a rollback of a key T committed is refused (abort "already committed").
 * Without keys, every lock of T in the region (of each transaction of {@code txn_infos}, each with
 * its own status) is resolved in latched batches, each re-checking its locks
 * ({@code ResolveLockCommandTest}, {@code LockResolutionRulesTest}).
 *
 * <p><b>Cleanup, BatchRollback and a concurrent Commit</b> take the same key latches, so on P
 * exactly one of "commit" and "roll back" wins ({@code CommitRollbackRaceTest}); the loser sees
 * the winner's record: Cleanup of a committed key answers its commit_version, BatchRollback of a
 * committed key is an abort, Commit of a rolled-back key is refused.
 */
package io.tinykv.txn.command;
