package io.tinykv.txn.mvcc;

import java.util.Arrays;
import java.util.Set;

/**
 * How a snapshot read at {@code readTs} treats the locks it meets (TiKV's
 * {@code Lock::check_ts_conflict}), with one rule stricter than TiKV's: the client's word that a
 * transaction cannot commit below the read ({@code resolved_locks}) is checked against the
 * transaction's primary before a lock is passed over.
 *
 * @param bypassedLockTs start timestamps of transactions the client says cannot commit at or below
 *     {@code readTs} (kvproto's {@code Context.resolved_locks})
 * @param ignoreLocks read-committed isolation: locks never block
 * @param commitFloor what the store itself knows of a listed transaction; a bypass the store cannot
 *     confirm is refused
 */
public record ReadView(long readTs, Set<Long> bypassedLockTs, boolean ignoreLocks, CommitFloor commitFloor) {

    /**
     * What the store can establish, at the read's snapshot, about how low a transaction could still
     * commit.
     */
    @FunctionalInterface
    public interface CommitFloor {
        /** Refuses every claim: only the lock itself can let a read pass. */
        CommitFloor UNKNOWN = (lock, ts) -> false;

        /** Whether the transaction that took {@code lock} provably cannot commit at or below {@code ts}. */
        boolean provenAbove(Lock lock, long ts);
    }

    public ReadView {
        bypassedLockTs = Set.copyOf(bypassedLockTs);
    }

    /** Snapshot isolation at {@code readTs} with no bypassed locks. */
    public static ReadView at(long readTs) {
        return new ReadView(readTs, Set.of(), false, CommitFloor.UNKNOWN);
    }

    /**
     * Whether {@code lock} on {@code key} may hide a commit the reader must see, so the read has to
     * wait for (or resolve) it.
     */
    public boolean isBlockedBy(Lock lock, byte[] key) {
        if (ignoreLocks) {
            return false;
        }
        // A transaction that started after the read commits after it too.
        if (Timestamps.after(lock.startTs(), readTs)) {
            return false;
        }
        // A Lock-kind lock changes no data when it commits.
        if (lock.kind() == LockKind.LOCK) {
            return false;
        }
        // The transaction may not commit at or below min_commit_ts, which is above the read.
        if (Timestamps.after(lock.minCommitTs(), readTs)) {
            return false;
        }
        // "Latest committed" point reads of a primary: the uncommitted primary is not committed yet.
        if (readTs == Timestamps.MAX && Arrays.equals(lock.primary(), key)) {
            return false;
        }
        // The client says a status check pushed the transaction above this read. Clients have been
        // seen to carry that claim over to later reads (the TiKV Java client 3.3.5 keeps one set
        // for all versions), where the transaction may well have committed below the read: trust
        // the claim only as far as the primary confirms it.
        return !(bypassedLockTs.contains(lock.startTs()) && commitFloor.provenAbove(lock, readTs));
    }
}
