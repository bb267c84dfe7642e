package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.Backoff;
import io.tinykv.client.Failures;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.Keys;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.OnDeadline;
import io.tinykv.client.region.RegionRouter;
import io.tinykv.proto.Kvrpcpb;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clears the locks a reader (or a prewrite) runs into. A lock on its own does not say whether its
 * transaction committed: the transaction's primary key does. So for each lock: ask the primary's
 * region (KvCheckTxnStatus, which also rolls the transaction back if its TTL has expired, or if it
 * never got its primary lock in and the lock we met has expired), then finish the locked key accordingly (KvResolveLock: commit it at the
 * transaction's commit ts, or roll it back). A lock whose transaction is still alive is left alone;
 * the caller waits and tries again.
 *
 * <p>This is safe against the lock's own client committing at the same time: the primary key is the
 * single place where commit and rollback are decided, under the store's latch, and once decided the
 * outcome never changes; secondary keys only ever follow it.
 *
 * <p><b>Async commit.</b> A transaction whose primary lock is an async-commit lock is committed as soon
 * as all its locks are in, at the largest of their min commit timestamps, so its primary cannot decide
 * it alone (the store reports such a lock instead of rolling it back). Once that lock's TTL has expired,
 * the resolver asks every secondary (KvCheckSecondaryLocks, which also rolls back a key that was never
 * locked, so the answer stays true): a committed key gives the commit ts; all locked, commit at the
 * largest min commit ts; otherwise roll back. Then it finishes the transaction, the primary first and
 * alone: the transaction's own client, whose prewrite failed, may be rolling it back at the same time,
 * and it too goes to the primary first. So the primary, under its store's latch, is still the single
 * place where the two meet: a commit of the primary is followed by a check of its status, and only a
 * primary recorded committed lets the secondaries be committed (at its commit ts); a primary rolled back
 * meanwhile has the secondaries rolled back. Committing all keys in one go would tear the transaction
 * (the router re-sends a request that got no answer in time after the other regions', so the primary's
 * comes last then): a secondary committed, the primary rolled back by a rollback that reached it first.
 * A secondary holding an ordinary lock means the transaction fell back to two phases: the primary is then asked
 * again with {@code force_sync_commit}, and decides as for any transaction.
 *
 * <p>Every request here is idempotent (a status check repeats its push or rollback, a resolve its commit
 * or rollback), so one that passes its deadline is sent again within the caller's backoff budget
 * ({@link OnDeadline#RETRY}): a slow store must not fail the prewrite or read that met the lock.
 *
 * <p>Thread-safe: the per-call state is local, PD and the router are thread-safe.
 */
final class LockResolver {
    private static final Logger LOG = LoggerFactory.getLogger(LockResolver.class);

    /** What KvCheckTxnStatus said about a transaction. */
    sealed interface TxnStatus {
        record Committed(long commitTs) implements TxnStatus {}

        record RolledBack() implements TxnStatus {}

        /**
         * @param commitsAfterCaller whether the transaction's min commit ts now lies above the caller's
         *                           start ts, so that the caller may read past its locks
         */
        record Alive(long ttlMs, boolean commitsAfterCaller) implements TxnStatus {}
    }

    private final PdClient pd;
    private final RegionRouter router;

    LockResolver(PdClient pd, RegionRouter router) {
        this.pd = pd;
        this.router = router;
    }

    /**
     * Resolves every lock of {@code locks} whose transaction is decided.
     *
     * @param callerStartTs the start ts of the reading transaction that met the locks; 0 for a writer
     *                      (a prewrite), which no lock may be bypassed for
     * @param bypassed      where the start ts of live transactions go that the reader may read past:
     *                      the status check pushed their min commit ts above {@code callerStartTs}, so
     *                      they will commit after the reader's snapshot whatever happens
     * @return whether none of the locks blocks the caller any more (resolved, or bypassed); false when
     *     at least one live transaction is in the way
     * @throws KeyValueException when a store refuses a status check or a resolution
     */
    boolean resolve(List<Kvrpcpb.LockInfo> locks, long callerStartTs, Set<Long> bypassed, Backoff backoff) {
        Map<Long, TxnStatus> statusByStartTs = new HashMap<>();
        boolean allGone = true;
        for (Kvrpcpb.LockInfo lock : locks) {
            TxnStatus status = statusByStartTs.get(lock.getLockVersion());
            if (status == null) {
                status = checkTxnStatus(lock, callerStartTs, backoff);
                statusByStartTs.put(lock.getLockVersion(), status);
            }
            switch (status) {
                case TxnStatus.Committed c -> resolveKey(lock, c.commitTs(), backoff);
                case TxnStatus.RolledBack r -> resolveKey(lock, 0, backoff);
                case TxnStatus.Alive a
                when a.commitsAfterCaller() -> {
                    // Already bypassed yet reported again: the store could not confirm the push (the
                    // primary lies in another region), so wait as for a live lock instead of spinning.
                    if (!bypassed.add(lock.getLockVersion())) {
                        allGone = false;
                    }
                }
                case TxnStatus.Alive a -> {
                    LOG.debug(
                            "lock of txn {} on {} is alive for {} ms more",
                            lock.getLockVersion(),
                            Keys.describe(lock.getKey()),
                            a.ttlMs());
                    allGone = false;
                }
            }
        }
        return allGone;
    }

    /**
     * Asks the primary. Whether a transaction that left no trace at its primary may be rolled back
     * there depends on the lock we met, as in TiKV's clients: while that lock is alive, the primary's
     * prewrite may still be on its way (prewrites of different regions race), and rolling back would
     * abort a healthy transaction; the transaction counts as alive then. Once the lock expired, the
     * transaction is rolled back whether or not its primary lock ever arrives.
     */
    private TxnStatus checkTxnStatus(Kvrpcpb.LockInfo lock, long callerStartTs, Backoff backoff) {
        long currentTs = pd.getTimestamp();
        return checkTxnStatus(lock, callerStartTs, currentTs, false, backoff);
    }

    private TxnStatus checkTxnStatus(
            Kvrpcpb.LockInfo lock, long callerStartTs, long currentTs, boolean forceSyncCommit, Backoff backoff) {
        ByteString primary = lock.getPrimaryLock();
        boolean lockExpired = expired(lock, currentTs);
        Kvrpcpb.CheckTxnStatusResponse response = router.sendForKey(
                "checkTxnStatus",
                primary,
                (stub, ctx) -> stub.kvCheckTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                        .setContext(ctx)
                        .setPrimaryKey(primary)
                        .setLockTs(lock.getLockVersion())
                        .setCallerStartTs(callerStartTs)
                        .setCurrentTs(currentTs)
                        .setRollbackIfNotExist(lockExpired)
                        .setForceSyncCommit(forceSyncCommit)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                backoff,
                OnDeadline.RETRY);
        if (response.hasError() && response.getError().hasTxnNotFound() && !lockExpired) {
            return new TxnStatus.Alive(lock.getLockTtl(), false);
        }
        if (response.hasError()) {
            throw new KeyValueException("checking the status of txn " + Long.toUnsignedString(lock.getLockVersion())
                    + " at its primary " + Keys.describe(primary) + ": " + Failures.describe(response.getError()));
        }
        if (response.getCommitVersion() != 0) {
            return new TxnStatus.Committed(response.getCommitVersion());
        }
        if (response.getLockTtl() != 0
                && response.getLockInfo().getUseAsyncCommit()
                && !forceSyncCommit
                && expired(response.getLockInfo(), currentTs)) {
            return resolveAsyncCommit(response.getLockInfo(), callerStartTs, currentTs, backoff);
        }
        if (response.getLockTtl() != 0) {
            long minCommitTs = response.getLockInfo().getMinCommitTs();
            boolean commitsAfterCaller =
                    callerStartTs != 0 && minCommitTs != 0 && Long.compareUnsigned(minCommitTs, callerStartTs) > 0;
            return new TxnStatus.Alive(response.getLockTtl(), commitsAfterCaller);
        }
        return new TxnStatus.RolledBack();
    }

    /**
     * Decides an async-commit transaction whose primary lock {@code primaryLock} has expired, from all its
     * locks, and finishes every key of it accordingly: the primary first, the secondaries after it as the
     * primary ended up (see the class comment for why).
     */
    private TxnStatus resolveAsyncCommit(
            Kvrpcpb.LockInfo primaryLock, long callerStartTs, long currentTs, Backoff backoff) {
        long startTs = primaryLock.getLockVersion();
        List<ByteString> secondaries = primaryLock.getSecondariesList();
        // What the regions answered: a commit ts (some key committed), a key without lock (rolled back),
        // an ordinary lock (the transaction fell back to two phases), the largest min commit ts seen.
        long[] commitTs = {0};
        long[] maxMinCommitTs = {primaryLock.getMinCommitTs()};
        boolean[] rolledBack = {false};
        boolean[] fellBack = {false};
        router.sendGrouped(
                "checkSecondaryLocks",
                secondaries,
                (stub, ctx, keys) -> stub.kvCheckSecondaryLocks(Kvrpcpb.CheckSecondaryLocksRequest.newBuilder()
                        .setContext(ctx)
                        .setStartVersion(startTs)
                        .addAllKeys(keys)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                (keys, response) -> {
                    if (response.hasError()) {
                        throw new KeyValueException("checking the secondary locks of txn "
                                + Long.toUnsignedString(startTs) + ": " + Failures.describe(response.getError()));
                    }
                    if (response.getCommitTs() != 0) {
                        commitTs[0] = response.getCommitTs();
                    } else if (response.getLocksCount() < keys.size()) {
                        rolledBack[0] = true;
                    }
                    for (Kvrpcpb.LockInfo lock : response.getLocksList()) {
                        if (!lock.getUseAsyncCommit()) {
                            fellBack[0] = true;
                        }
                        if (Long.compareUnsigned(lock.getMinCommitTs(), maxMinCommitTs[0]) > 0) {
                            maxMinCommitTs[0] = lock.getMinCommitTs();
                        }
                    }
                    return List.of();
                },
                backoff,
                OnDeadline.RETRY);
        if (commitTs[0] == 0 && !rolledBack[0] && fellBack[0]) {
            // Some region prewrote it as two-phase: the primary decides after all, as for any transaction.
            return checkTxnStatus(primaryLock, callerStartTs, currentTs, true, backoff);
        }
        long decided = commitTs[0] != 0 ? commitTs[0] : rolledBack[0] ? 0 : maxMinCommitTs[0];
        ByteString primary = primaryLock.getKey();
        // The primary first and alone: it is where our decision meets its own client's rollback (which also
        // goes to the primary first), so the secondaries follow whatever the primary ends up with.
        if (decided != 0) {
            decided = commitPrimary(primary, startTs, decided, backoff);
        } else {
            resolveKeys(startTs, List.of(primary), 0, backoff);
        }
        resolveKeys(startTs, secondaries, decided, backoff);
        LOG.debug(
                "resolved async-commit txn {} ({} keys): {}",
                Long.toUnsignedString(startTs),
                secondaries.size() + 1,
                decided == 0 ? "rolled back" : "committed at " + Long.toUnsignedString(decided));
        return decided == 0 ? new TxnStatus.RolledBack() : new TxnStatus.Committed(decided);
    }

    /**
     * Commits the primary of the async-commit transaction {@code startTs} at {@code commitTs}, then asks it
     * what it holds: our commit may have found the lock gone, because the transaction's own client rolled
     * it back first (the store refuses our commit) or committed it itself. Only the primary's recorded
     * status may let the secondaries be committed.
     *
     * @return the commit ts the primary is committed at, or 0 when it is rolled back
     * @throws KeyValueException when the primary is still locked after the commit, or a store refuses the
     *                           status check
     */
    private long commitPrimary(ByteString primary, long startTs, long commitTs, Backoff backoff) {
        try {
            resolveKeys(startTs, List.of(primary), commitTs, backoff);
        } catch (KeyValueException e) {
            LOG.debug(
                    "committing the primary of async-commit txn {} failed, asking it: {}",
                    Long.toUnsignedString(startTs),
                    e.getMessage());
        }
        return switch (settleOwn(primary, startTs, backoff)) {
            case TxnStatus.Committed c -> c.commitTs();
            case TxnStatus.RolledBack r -> 0;
            case TxnStatus.Alive a ->
                throw new KeyValueException("async-commit txn " + Long.toUnsignedString(startTs)
                        + " still holds its primary " + Keys.describe(primary) + " after committing it at "
                        + Long.toUnsignedString(commitTs));
        };
    }

    /** Commits ({@code commitTs > 0}) or rolls back {@code keys} of the transaction {@code startTs}. */
    private void resolveKeys(long startTs, List<ByteString> keys, long commitTs, Backoff backoff) {
        if (keys.isEmpty()) {
            return;
        }
        router.sendGrouped(
                "resolveLock",
                keys,
                (stub, ctx, group) -> stub.kvResolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                        .setContext(ctx)
                        .setStartVersion(startTs)
                        .setCommitVersion(commitTs)
                        .addAllKeys(group)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                (group, response) -> {
                    if (response.hasError()) {
                        throw new KeyValueException("resolving the async-commit txn " + Long.toUnsignedString(startTs)
                                + ": " + Failures.describe(response.getError()));
                    }
                    return List.of();
                },
                backoff,
                OnDeadline.RETRY);
    }

    /**
     * What became of the caller's own transaction {@code startTs}, asked of its primary when the caller
     * cannot tell (its 1PC or async-commit prewrite failed and rolling it back failed too); also what an
     * async-commit primary holds after a resolver committed it ({@link #resolveAsyncCommit}). Settles it
     * where the primary holds no trace of it: rolls it back there ({@code rollback_if_not_exist}), so that
     * no copy of its prewrite still on the way can commit it. Pushes nothing and expires nothing
     * (caller and current ts 0): a lock found is reported alive, its transaction undecided.
     *
     * @throws KeyValueException when the store refuses the status check
     */
    TxnStatus settleOwn(ByteString primary, long startTs, Backoff backoff) {
        Kvrpcpb.CheckTxnStatusResponse response = router.sendForKey(
                "checkTxnStatus",
                primary,
                (stub, ctx) -> stub.kvCheckTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                        .setContext(ctx)
                        .setPrimaryKey(primary)
                        .setLockTs(startTs)
                        .setCallerStartTs(0)
                        .setCurrentTs(0)
                        .setRollbackIfNotExist(true)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                backoff,
                OnDeadline.RETRY);
        if (response.hasError()) {
            throw new KeyValueException("checking the status of txn " + Long.toUnsignedString(startTs)
                    + " at its primary " + Keys.describe(primary) + ": " + Failures.describe(response.getError()));
        }
        if (response.getCommitVersion() != 0) {
            return new TxnStatus.Committed(response.getCommitVersion());
        }
        if (response.getLockTtl() != 0) {
            return new TxnStatus.Alive(response.getLockTtl(), false);
        }
        return new TxnStatus.RolledBack();
    }

    /**
     * TiKV's expiry rule on TSO physical milliseconds: the lock is alive up to and including its start
     * plus its TTL. An unsigned TTL that would run past the end of time never expires.
     */
    static boolean expired(Kvrpcpb.LockInfo lock, long currentTs) {
        long lockMs = lock.getLockVersion() >>> PdClient.LOGICAL_BITS;
        long deadlineMs = lockMs + lock.getLockTtl();
        if (Long.compareUnsigned(deadlineMs, lockMs) < 0) {
            return false;
        }
        return Long.compareUnsigned(deadlineMs, currentTs >>> PdClient.LOGICAL_BITS) < 0;
    }

    /** Commits ({@code commitTs > 0}) or rolls back the lock's transaction on the lock's key. */
    private void resolveKey(Kvrpcpb.LockInfo lock, long commitTs, Backoff backoff) {
        ByteString key = lock.getKey();
        Kvrpcpb.ResolveLockResponse response = router.sendForKey(
                "resolveLock",
                key,
                (stub, ctx) -> stub.kvResolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                        .setContext(ctx)
                        .setStartVersion(lock.getLockVersion())
                        .setCommitVersion(commitTs)
                        .addKeys(key)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                backoff,
                OnDeadline.RETRY);
        if (response.hasError()) {
            throw new KeyValueException("resolving the lock of txn " + Long.toUnsignedString(lock.getLockVersion())
                    + " on " + Keys.describe(key) + ": " + Failures.describe(response.getError()));
        }
        LOG.debug(
                "resolved lock of txn {} on {}: {}",
                lock.getLockVersion(),
                Keys.describe(key),
                commitTs == 0 ? "rolled back" : "committed at " + commitTs);
    }
}
