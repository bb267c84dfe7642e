package io.tinykv.txn.mvcc;

import java.util.Arrays;
import java.util.Set;

/**
 * How a snapshot read at {@code readTs} treats the locks it meets (TiKV's
 * {@code Lock::check_ts_conflict}).
 *
 * @param bypassedLockTs start timestamps of transactions the client has established cannot commit
 *     below {@code readTs} (kvproto's {@code Context.resolved_locks})
 * @param ignoreLocks read-committed isolation: locks never block
 */
public record ReadView(long readTs, Set<Long> bypassedLockTs, boolean ignoreLocks) {

    public ReadView {
        bypassedLockTs = Set.copyOf(bypassedLockTs);
    }

    /** Snapshot isolation at {@code readTs} with no bypassed locks. */
    public static ReadView at(long readTs) {
        return new ReadView(readTs, Set.of(), false);
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
        if (bypassedLockTs.contains(lock.startTs())) {
            return false;
        }
        // "Latest committed" point reads of a primary: the uncommitted primary is not committed yet.
        return !(readTs == Timestamps.MAX && Arrays.equals(lock.primary(), key));
    }
}
