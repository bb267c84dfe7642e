package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.Backoff;
import io.tinykv.client.BackoffKind;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.Failures;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.Keys;
import io.tinykv.client.RpcException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.WriteConflictException;
import io.tinykv.client.region.OnDeadline;
import io.tinykv.proto.Kvrpcpb;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Percolator's two-phase commit of one transaction's buffered mutations.
 *
 * <ol>
 *   <li>Prewrite: lock every key (grouped by region: one request per region, up to the batch size),
 *       all pointing at one primary key, the smallest. A request that gets no answer in time
 *       (DEADLINE_EXCEEDED, an unreachable store, a region error) is sent again to the region's current
 *       leader after a backoff, within the backoff budget, as TiKV's clients do: a prewrite is
 *       idempotent (a repeat finds its own locks and changes nothing), so a slow store costs a retry,
 *       not the transaction. A failure that remains rolls the prewritten keys back and is a definite
 *       failure: the transaction cannot commit, because only step 3 commits it and step 3 never
 *       runs (the rollback records keep a late copy of a prewrite from landing).</li>
 *   <li>Take the commit ts from TSO.</li>
 *   <li>Commit the primary key. <b>This is the commit point</b>: once the store has written the
 *       primary's commit record the transaction is committed, whatever happens to the secondaries.
 *       The outcome must therefore be known before anything is reported. A definite refusal (the
 *       transaction was rolled back, e.g. a reader found its locks expired) is a failure; an answer
 *       that never came (timeout, unreachable store) is retried, which is safe because committing is
 *       idempotent (a retry finds the commit record and succeeds), until the budget runs out: then the
 *       outcome is reported as unknown ({@link CommitUnknownException}), never as a failure.</li>
 *   <li>Commit the secondary keys. Failures here are logged, not reported: the transaction is
 *       committed, and a reader meeting a leftover secondary lock resolves it by asking the primary.</li>
 * </ol>
 *
 * <p><b>1PC.</b> When the client allows it ({@link TxnEnv#tryOnePc}) and one prewrite request carries all
 * the mutations (they lie in one region and fit one batch), that request asks the store to commit at
 * once ({@code try_one_pc}). The store then picks the commit ts itself, above every read it served, and
 * answers it as {@code one_pc_commit_ts}: steps 2 to 4 are skipped. A store that cannot (a leadership
 * that has not synced its max ts yet, for one) prewrites as usual and answers 0; steps 2 to 4 follow.
 * Since a 1PC prewrite may have committed although its answer was lost, failures after one was sent
 * are reported as aborted only once the rollback of the primary succeeded (which also keeps a late copy
 * of the request from committing: it carries the primary); the other keys are rolled back after it.
 * When the primary's rollback fails (a store refused it, having committed the transaction meanwhile, or
 * its answer was lost), the primary's status decides: committed at its commit ts, or rolled back (the
 * status check rolls back a primary without trace, so no late copy can commit); only when that cannot be
 * learned either (no answer, or our own lock still there) is the outcome unknown.
 *
 * <p><b>Async commit.</b> When the client allows it ({@link TxnEnv#asyncCommit}) and the transaction is
 * small ({@link #ASYNC_COMMIT_MAX_KEYS}, {@link #ASYNC_COMMIT_MAX_KEY_BYTES}: the primary's lock lists
 * every other key), each prewrite asks for it ({@code use_async_commit}, the primary's request listing
 * the {@code secondaries}). Each store locks the keys with a min commit ts above every read it served
 * and answers the largest. Once every prewrite succeeded with a nonzero answer, <b>the transaction is
 * committed</b>, at the largest answer: nothing can roll it back any more (a resolver finding its locks
 * finds them all and commits them at that ts, see {@link LockResolver}). It is reported committed then;
 * step 2 is skipped and steps 3 and 4 run in the background ({@link TxnEnv#background}). A store that
 * declines answers 0 and locks its keys as usual: the transaction goes on as two-phase from step 2.
 * As with 1PC, a prewrite failure after async commit was asked for is reported as aborted only once the
 * rollback of the primary succeeded, or else as the primary's status proves it. The order matters here:
 * a resolver that found all the locks in may be committing the transaction at the same time, and it
 * commits the primary first and only then the secondaries ({@link LockResolver}); so the primary, under
 * its store's latch, is where our rollback and its commit meet, and exactly one of them wins. Rolling back
 * a secondary before the primary's rollback succeeded could undo a key of a committed transaction.
 *
 * <p>Used by one thread, once.
 */
final class TwoPhaseCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(TwoPhaseCommitter.class);
    /** The most keys an async-commit transaction may have: the primary lock lists them (TiKV's clients' default). */
    static final int ASYNC_COMMIT_MAX_KEYS = 256;
    /** The most bytes of keys an async-commit transaction may have (TiKV's clients' default). */
    static final long ASYNC_COMMIT_MAX_KEY_BYTES = 4096;

    private final TxnEnv env;
    private final long startTs;
    private final NavigableMap<ByteString, Kvrpcpb.Mutation> mutations;
    private final ByteString primary;
    /** When the transaction began, on the client's clock. */
    private final long beganAtMs;
    /** Whether a prewrite request asking for 1PC was sent: then a failure may hide a commit. */
    private boolean onePcSent;
    /** The commit ts a store answered for a 1PC prewrite; 0 while none did. */
    private long onePcCommitTs;
    /** Whether the prewrites ask for async commit. */
    private final boolean asyncCommit;
    /** The largest min commit ts the prewrites answered (async commit). */
    private long asyncCommitTs;
    /** Whether a store declined async commit (answered min commit ts 0): then it is two-phase. */
    private boolean asyncDeclined;
    /**
     * The commit ts the primary's status proved after a failed 1PC or async-commit prewrite: an attempt
     * committed although no answer said so. 0 while none did.
     */
    private long provenCommitTs;

    /**
     * @param mutations the transaction's writes by key, in key order; not empty
     * @param beganAtMs when the transaction took its start ts, on {@code env.clock()}
     */
    TwoPhaseCommitter(TxnEnv env, long startTs, NavigableMap<ByteString, Kvrpcpb.Mutation> mutations, long beganAtMs) {
        if (mutations.isEmpty()) {
            throw new IllegalArgumentException("nothing to commit");
        }
        this.env = env;
        this.startTs = startTs;
        this.mutations = new TreeMap<>(mutations);
        this.primary = this.mutations.firstKey();
        this.beganAtMs = beganAtMs;
        this.asyncCommit = env.asyncCommit() && fitsAsyncCommit(this.mutations);
    }

    private static boolean fitsAsyncCommit(NavigableMap<ByteString, Kvrpcpb.Mutation> mutations) {
        if (mutations.size() > ASYNC_COMMIT_MAX_KEYS) {
            return false;
        }
        long keyBytes = 0;
        for (ByteString key : mutations.keySet()) {
            keyBytes += key.size();
        }
        return keyBytes <= ASYNC_COMMIT_MAX_KEY_BYTES;
    }

    ByteString primary() {
        return primary;
    }

    /**
     * Whether the store committed the transaction with its prewrite (1PC). Also when that was learned from
     * the primary after the prewrite failed: without async commit nothing but a 1PC prewrite commits a
     * transaction before its primary is committed by this client.
     */
    boolean committedInOnePhase() {
        return onePcCommitTs != 0 || (provenCommitTs != 0 && !asyncCommit);
    }

    /**
     * Whether the transaction committed with async commit (its prewrites decided it). Also when that was
     * learned from the primary after the prewrite failed, if no 1PC was asked for (when both were, the
     * primary's commit record does not tell which, and neither is claimed).
     */
    boolean committedAsynchronously() {
        return (onePcCommitTs == 0 && asyncCommit && !asyncDeclined && asyncCommitTs != 0)
                || (provenCommitTs != 0 && asyncCommit && !onePcSent);
    }

    /**
     * Runs all four steps.
     *
     * @return the commit ts
     * @throws TxnAbortedException    (or its {@link WriteConflictException}) when the transaction did
     *                                not commit
     * @throws CommitUnknownException when it may or may not have committed
     */
    long commit() {
        long committedAt;
        // From the first prewrite until the commit point the locks must not expire under us.
        try (LockHeartbeat heartbeat = startHeartbeat()) {
            prewrite();
            if (onePcCommitTs != 0) {
                return onePcCommitTs;
            }
            if (provenCommitTs != 0) {
                // A failed prewrite, yet the primary says committed: a resolver or the stores finish the keys.
                return provenCommitTs;
            }
            if (committedAsynchronously()) {
                long commitTs = asyncCommitTs;
                try {
                    env.background().execute(() -> commitInBackground(commitTs));
                } catch (RuntimeException e) {
                    // The client is closing: readers resolve the locks (the transaction is committed anyway).
                    LOG.info(
                            "txn {} committed at {} with async commit; its keys are left to readers: {}",
                            ts(startTs),
                            ts(commitTs),
                            e.toString());
                }
                return commitTs;
            }
            long commitTs;
            try {
                commitTs = env.pd().getTimestamp();
            } catch (RuntimeException e) {
                rollbackQuietly();
                throw new TxnAbortedException(
                        startTs, "txn " + ts(startTs) + " rolled back: no commit ts from PD: " + e.getMessage(), e);
            }
            committedAt = commitPrimary(commitTs);
        }
        commitSecondaries(committedAt);
        return committedAt;
    }

    /**
     * Starts keeping the primary lock alive ({@link LockHeartbeat}); beats that come before the
     * primary is prewritten find no lock and are only logged.
     */
    LockHeartbeat startHeartbeat() {
        return LockHeartbeat.start(env, startTs, primary, beganAtMs);
    }

    /**
     * Step 1: locks every key. Waits for (and resolves) other transactions' locks in the way. Returns
     * normally also when the prewrite failed after asking for 1PC or async commit, yet the primary proved
     * the transaction committed (see {@link #committedInOnePhase}).
     *
     * @throws WriteConflictException when a key was committed by another transaction after our start
     * @throws TxnAbortedException    when the prewrite failed otherwise; in both cases the keys were
     *                                rolled back (as far as the stores could be reached)
     * @throws CommitUnknownException when a prewrite that asked for 1PC or async commit failed and
     *                                neither a rollback nor the primary settled whether it committed
     */
    void prewrite() {
        Backoff backoff = env.newBackoff();
        long lockTtl = lockTtlMs();
        try {
            env.router()
                    .sendGrouped(
                            "prewrite",
                            mutations.keySet(),
                            (stub, ctx, keys) -> stub.kvPrewrite(prewriteRequest(ctx, keys, lockTtl)),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            (keys, response) -> onPrewritten(keys, response, backoff),
                            backoff,
                            OnDeadline.RETRY);
        } catch (TxnAbortedException e) {
            if (onePcSent || asyncCommit) {
                settleFailedPrewrite(e);
                return;
            }
            rollbackQuietly();
            throw e;
        } catch (RuntimeException e) {
            TxnAbortedException aborted = new TxnAbortedException(
                    startTs, "txn " + ts(startTs) + " rolled back: prewrite failed: " + e.getMessage(), e);
            if (onePcSent || asyncCommit) {
                settleFailedPrewrite(aborted);
                return;
            }
            // Whatever went wrong (a store, PD, a closed client), the commit point was not reached.
            rollbackQuietly();
            throw aborted;
        }
    }

    /**
     * A prewrite that asked for 1PC (or async commit) failed, but an earlier attempt of it may have
     * committed (an answer lost on the way, a proposal that outlived its leader; with async commit, all
     * locks in). Settled at the primary, which is the single decision point: its rollback goes first and
     * alone. Where that succeeds the transaction did not commit and never will (a resolver that decided
     * to commit from all the locks commits the primary first and finds our rollback there, see {@link
     * LockResolver}), and only then are the secondaries rolled back. Rolling back all keys in one go would
     * tear an async-commit transaction, even though the regions are sent to in key order (the primary's
     * first): a request that gets no answer in time is sent again after the other regions', so a secondary
     * could be rolled back while a resolver commits the primary. Where the primary's rollback fails,
     * because the store refused (the transaction committed there: a held copy of the prewrite landed
     * first, or a resolver committed it) or its answer never came, the primary is asked ({@link
     * LockResolver#settleOwn}): committed there means committed (the whole 1PC request committed
     * together; an async-commit transaction is decided where its primary is; the secondaries are left
     * locked, for the resolver or the next reader to commit), rolled back there means no copy of the
     * prewrite can commit any more. Only when that cannot be learned either is the outcome unknown.
     *
     * @throws TxnAbortedException    {@code failure}, when the transaction is proven not committed
     * @throws CommitUnknownException when it may or may not have committed
     */
    private void settleFailedPrewrite(TxnAbortedException failure) {
        try {
            rollbackKeys(List.of(primary));
        } catch (RuntimeException rollbackFailure) {
            LockResolver.TxnStatus status;
            try {
                status = env.resolver().settleOwn(primary, startTs, env.newBackoff());
            } catch (RuntimeException statusFailure) {
                statusFailure.addSuppressed(rollbackFailure);
                throw unknownAfterFailedPrewrite(
                        failure,
                        "the rollback of its primary did not settle it (" + rollbackFailure.getMessage()
                                + "), nor did the status of its primary: " + statusFailure.getMessage(),
                        statusFailure);
            }
            switch (status) {
                case LockResolver.TxnStatus.Committed c -> {
                    LOG.info(
                            "txn {}: its prewrite failed ({}), but its primary is committed at {}",
                            ts(startTs),
                            failure.getMessage(),
                            ts(c.commitTs()));
                    provenCommitTs = c.commitTs();
                    return;
                }
                case LockResolver.TxnStatus.RolledBack r -> {}
                case LockResolver.TxnStatus.Alive a ->
                    throw unknownAfterFailedPrewrite(
                            failure,
                            "the rollback of its primary did " + "not settle it (" + rollbackFailure.getMessage()
                                    + ") and its primary is still locked",
                            rollbackFailure);
            }
        }
        // Rolled back at the primary: the secondaries follow (best effort; a reader asks the primary).
        rollbackSecondariesQuietly();
        throw failure;
    }

    private CommitUnknownException unknownAfterFailedPrewrite(
            TxnAbortedException failure, String why, Throwable cause) {
        return new CommitUnknownException(
                startTs,
                0,
                "txn " + ts(startTs) + " may or may not have committed: its " + (onePcSent ? "1PC" : "async-commit")
                        + " prewrite failed (" + failure.getMessage() + ") and " + why,
                cause);
    }

    /**
     * The TTL of our locks. Expiry is counted from the start ts (TiKV's rule), so a transaction that ran
     * for a while before committing gets that time added; otherwise its locks could be expired the
     * moment they are written.
     */
    long lockTtlMs() {
        long elapsedMs = Math.max(0, env.clock().nowMillis() - beganAtMs);
        return elapsedMs + env.lockTtlMs();
    }

    private Kvrpcpb.PrewriteRequest prewriteRequest(Kvrpcpb.Context ctx, List<ByteString> keys, long lockTtl) {
        Kvrpcpb.PrewriteRequest.Builder request = Kvrpcpb.PrewriteRequest.newBuilder()
                .setContext(ctx)
                .setPrimaryLock(primary)
                .setStartVersion(startTs)
                .setLockTtl(lockTtl)
                // Lets readers push our commit ts above their snapshot instead of waiting for us.
                .setMinCommitTs(startTs + 1)
                .setTxnSize(mutations.size());
        keys.forEach(key -> request.addMutations(mutations.get(key)));
        // 1PC only in a request that carries every mutation: the store commits what it is sent, so a
        // request with part of them (the keys span regions, or a split regrouped them) must not.
        if (env.tryOnePc() && keys.size() == mutations.size()) {
            request.setTryOnePc(true);
            onePcSent = true;
        }
        if (asyncCommit) {
            request.setUseAsyncCommit(true);
            if (keys.contains(primary)) {
                mutations.keySet().stream().filter(k -> !k.equals(primary)).forEach(request::addSecondaries);
            }
        }
        return request.build();
    }

    /** Sorts out one region's prewrite answer; returns the keys to prewrite again. */
    private List<ByteString> onPrewritten(List<ByteString> keys, Kvrpcpb.PrewriteResponse response, Backoff backoff) {
        if (response.getErrorsCount() == 0) {
            if (response.getOnePcCommitTs() != 0) {
                if (keys.size() != mutations.size()) {
                    throw new IllegalStateException("a store committed in one phase a prewrite of " + keys.size()
                            + " of the " + mutations.size() + " keys of txn " + ts(startTs));
                }
                onePcCommitTs = response.getOnePcCommitTs();
            } else if (asyncCommit) {
                long minCommitTs = response.getMinCommitTs();
                if (minCommitTs == 0) {
                    asyncDeclined = true;
                } else if (Long.compareUnsigned(minCommitTs, asyncCommitTs) > 0) {
                    asyncCommitTs = minCommitTs;
                }
            }
            return List.of();
        }
        List<Kvrpcpb.LockInfo> locks = new ArrayList<>();
        for (Kvrpcpb.KeyError error : response.getErrorsList()) {
            if (error.hasConflict()) {
                Kvrpcpb.WriteConflict conflict = error.getConflict();
                throw new WriteConflictException(
                        startTs,
                        conflict.getKey(),
                        conflict.getConflictCommitTs(),
                        "txn " + ts(startTs) + " rolled back: write conflict on " + Keys.describe(conflict.getKey())
                                + " with " + conflictingRecord(conflict));
            }
            if (!error.hasLocked()) {
                throw new TxnAbortedException(
                        startTs, "txn " + ts(startTs) + " rolled back: prewrite refused: " + Failures.describe(error));
            }
            locks.add(error.getLocked());
        }
        // The store wrote nothing for this request (prewrite is all or nothing), so the whole group goes
        // again once the locks are gone; our own locks from an earlier attempt are accepted as they are.
        // A writer cannot read past a live lock: no caller ts (0), so nothing is pushed or bypassed.
        if (!env.resolver().resolve(locks, 0, new HashSet<>(), backoff)) {
            Kvrpcpb.LockInfo first = locks.get(0);
            String reason = "prewrite meets the live lock of txn " + ts(first.getLockVersion()) + " on "
                    + Keys.describe(first.getKey());
            if (!backoff.sleepThenRetry(BackoffKind.TXN_LOCK_ALIVE, reason, 0)) {
                throw new TxnAbortedException(
                        startTs, "txn " + ts(startTs) + " rolled back: " + backoff.givingUpMessage());
            }
        }
        return keys;
    }

    /**
     * What the record a prewrite conflicted with is. A commit record lies at a commit ts above its
     * transaction's start ts; a rollback record lies at the start ts of the transaction it rolled back
     * (so both timestamps are equal); a record at our own start ts can only mark us rolled back, since
     * TSO hands out every timestamp once.
     */
    private String conflictingRecord(Kvrpcpb.WriteConflict conflict) {
        if (conflict.getConflictCommitTs() == startTs) {
            return "its own rollback: txn " + ts(startTs) + " was rolled back before this prewrite (e.g. a reader "
                    + "found its locks expired)";
        }
        if (conflict.getConflictTs() == conflict.getConflictCommitTs()) {
            return "the rollback record of txn " + ts(conflict.getConflictTs());
        }
        return "txn " + ts(conflict.getConflictTs()) + " committed at " + ts(conflict.getConflictCommitTs());
    }

    /**
     * Step 3, the commit point. A reader may have pushed the primary's min commit ts above {@code
     * commitTs} meanwhile (so it could read past our locks); the store then refuses with
     * commit_ts_expired and we commit at a fresh, larger ts instead.
     *
     * @return the commit ts the transaction committed at
     * @throws TxnAbortedException    when the store definitely refused: the transaction is rolled back
     * @throws CommitUnknownException when no definite answer came within the backoff budget
     */
    long commitPrimary(long firstCommitTs) {
        Backoff backoff = env.newBackoff();
        long commitTs = firstCommitTs;
        while (true) {
            long attemptTs = commitTs;
            Kvrpcpb.CommitResponse response;
            try {
                response = env.router()
                        .sendForKey(
                                "commit primary",
                                primary,
                                (stub, ctx) -> stub.kvCommit(commitRequest(ctx, List.of(primary), attemptTs)),
                                r -> r.hasRegionError() ? r.getRegionError() : null,
                                backoff,
                                OnDeadline.RETRY);
            } catch (RpcException e) {
                // A transport failure other than a deadline or an unreachable store (which the router retries
                // itself): the request may have been executed or not. Committing again is idempotent, so ask
                // again.
                if (!backoff.sleepThenRetry(BackoffKind.STORE_UNREACHABLE, e.getMessage(), 0)) {
                    throw unknown(commitTs, backoff.givingUpMessage(), e);
                }
                continue;
            } catch (RuntimeException e) {
                // The budget ran out on unreachable stores or region errors, routing failed, the client was
                // closed...: some attempt may have reached the store and committed.
                throw unknown(commitTs, e.getMessage(), e);
            }
            if (!response.hasError()) {
                return commitTs;
            }
            Kvrpcpb.KeyError error = response.getError();
            if (error.hasCommitTsExpired()) {
                // The lock is there and uncommitted (an attempt at a smaller ts, even one still in flight,
                // is refused the same way: min commit ts never goes down), so moving on is safe.
                commitTs = newCommitTs(error.getCommitTsExpired().getMinCommitTs());
                continue;
            }
            if (!error.getRetryable().isEmpty()) {
                // "Lock not found": the lock is gone and there is no commit record, i.e. the transaction was
                // rolled back (a reader found its TTL expired). A rollback is final.
                throw new TxnAbortedException(
                        startTs,
                        "txn " + ts(startTs) + " was rolled back before its commit: " + Failures.describe(error));
            }
            // Any other refusal is stable (the same request can never succeed later, e.g. a commit ts below
            // the lock's min commit ts or colliding with another record): the commit did not and will not
            // happen at this ts. Roll back, so that the decision is on record.
            rollbackQuietly();
            throw new TxnAbortedException(
                    startTs,
                    "txn " + ts(startTs) + " rolled back: commit of the primary " + Keys.describe(primary)
                            + " refused: " + Failures.describe(error));
        }
    }

    /** A commit ts at or above {@code minCommitTs}; TSO hands out ones above any pushed min commit ts. */
    private long newCommitTs(long minCommitTs) {
        long ts;
        try {
            ts = env.pd().getTimestamp();
        } catch (RuntimeException e) {
            rollbackQuietly();
            throw new TxnAbortedException(
                    startTs,
                    "txn " + ts(startTs) + " rolled back: no new commit ts from PD "
                            + "after its min commit ts was pushed: " + e.getMessage(),
                    e);
        }
        if (Long.compareUnsigned(ts, minCommitTs) < 0) {
            throw new IllegalStateException("TSO handed out " + ts(ts) + ", below the pushed min commit ts "
                    + ts(minCommitTs) + " that a reader took from TSO before");
        }
        return ts;
    }

    /**
     * Steps 3 and 4 of an async-commit transaction, which is committed already: failures are logged
     * (readers will finish the job, at the same commit ts).
     */
    private void commitInBackground(long commitTs) {
        try {
            Kvrpcpb.CommitResponse response = env.router()
                    .sendForKey(
                            "commit primary",
                            primary,
                            (stub, ctx) -> stub.kvCommit(commitRequest(ctx, List.of(primary), commitTs)),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            env.newBackoff(),
                            OnDeadline.RETRY);
            if (response.hasError()) {
                LOG.warn(
                        "txn {} committed at {} with async commit, but committing its primary failed (readers will "
                                + "resolve it): {}",
                        ts(startTs),
                        ts(commitTs),
                        Failures.describe(response.getError()));
            }
        } catch (RuntimeException e) {
            LOG.warn(
                    "txn {} committed at {} with async commit, but committing its primary failed (readers will "
                            + "resolve it): {}",
                    ts(startTs),
                    ts(commitTs),
                    e.getMessage());
        }
        commitSecondaries(commitTs);
    }

    /** Step 4: commits the other keys; failures are logged (readers will finish the job). */
    void commitSecondaries(long commitTs) {
        List<ByteString> secondaries = new ArrayList<>(mutations.keySet());
        secondaries.remove(primary);
        if (secondaries.isEmpty()) {
            return;
        }
        try {
            env.router()
                    .sendGrouped(
                            "commit secondaries",
                            secondaries,
                            (stub, ctx, keys) -> stub.kvCommit(commitRequest(ctx, keys, commitTs)),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            (keys, response) -> {
                                if (response.hasError()) {
                                    LOG.warn(
                                            "txn {} committed at {}, but committing {} secondary keys failed (readers will "
                                                    + "resolve them): {}",
                                            ts(startTs),
                                            ts(commitTs),
                                            keys.size(),
                                            Failures.describe(response.getError()));
                                }
                                return List.of();
                            },
                            env.newBackoff(),
                            OnDeadline.RETRY);
        } catch (RuntimeException e) {
            LOG.warn(
                    "txn {} committed at {}, but committing its secondary keys failed (readers will resolve "
                            + "them): {}",
                    ts(startTs),
                    ts(commitTs),
                    e.getMessage());
        }
    }

    private Kvrpcpb.CommitRequest commitRequest(Kvrpcpb.Context ctx, List<ByteString> keys, long commitTs) {
        return Kvrpcpb.CommitRequest.newBuilder()
                .setContext(ctx)
                .setStartVersion(startTs)
                .addAllKeys(keys)
                .setCommitVersion(commitTs)
                .build();
    }

    /**
     * Rolls back every key of the transaction (also those never prewritten: their rollback records keep
     * a late prewrite from landing), all at once. Only ever called before the primary committed, and
     * never once a prewrite asked for async commit: then the primary goes first ({@link
     * #settleFailedPrewrite}).
     *
     * @throws TinyKvException when a store cannot be reached or refuses
     */
    void rollback() {
        rollbackKeys(mutations.keySet());
    }

    private void rollbackKeys(Collection<ByteString> keysToRollBack) {
        env.router()
                .sendGrouped(
                        "rollback",
                        keysToRollBack,
                        (stub, ctx, keys) -> stub.kvBatchRollback(Kvrpcpb.BatchRollbackRequest.newBuilder()
                                .setContext(ctx)
                                .setStartVersion(startTs)
                                .addAllKeys(keys)
                                .build()),
                        r -> r.hasRegionError() ? r.getRegionError() : null,
                        (keys, response) -> {
                            if (response.hasError()) {
                                throw new KeyValueException("rollback of txn " + ts(startTs) + ": "
                                        + Failures.describe(response.getError()));
                            }
                            return List.of();
                        },
                        env.newBackoff(),
                        OnDeadline.RETRY);
    }

    /** The secondaries of a transaction rolled back at its primary; a lock left behind is resolved by readers. */
    private void rollbackSecondariesQuietly() {
        List<ByteString> secondaries = new ArrayList<>(mutations.keySet());
        secondaries.remove(primary);
        if (secondaries.isEmpty()) {
            return;
        }
        try {
            rollbackKeys(secondaries);
        } catch (RuntimeException e) {
            LOG.warn(
                    "txn {}: rolled back at its primary, but rolling back its secondaries failed (readers will "
                            + "resolve them): {}",
                    ts(startTs),
                    e.getMessage());
        }
    }

    /** Best effort: a lock left behind expires and is rolled back by the first reader that meets it. */
    private void rollbackQuietly() {
        try {
            rollback();
        } catch (RuntimeException e) {
            LOG.warn(
                    "txn {}: rollback failed, its locks expire after {} ms: {}",
                    ts(startTs),
                    lockTtlMs(),
                    e.getMessage());
        }
    }

    private CommitUnknownException unknown(long commitTs, String why, Throwable cause) {
        return new CommitUnknownException(
                startTs,
                commitTs,
                "txn " + ts(startTs) + " may or may not have "
                        + "committed at " + ts(commitTs) + ": no definite answer to the commit of its primary "
                        + Keys.describe(primary) + ": " + why,
                cause);
    }

    private static String ts(long ts) {
        return Long.toUnsignedString(ts);
    }
}
