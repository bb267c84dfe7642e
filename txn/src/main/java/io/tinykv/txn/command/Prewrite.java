package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.concurrency.ConcurrencyManager;
import io.tinykv.txn.concurrency.MaxTsSync;
import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.TxnRecord;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * KvPrewrite, the first phase of Percolator's two-phase commit: lock every mutated key for the
 * transaction, after checking that no other transaction holds it and that nothing committed at or
 * after our start ts (first committer wins). All or nothing: if any key fails, nothing is written.
 * Locks of other transactions are all reported, so the client can resolve them in one go; any
 * other error stops the command at once. A retried prewrite of the same transaction is idempotent.
 *
 * <p><b>1PC</b> ({@code try_one_pc}, the client's word that these are all of the transaction's
 * keys): after the same checks the keys are not locked but committed at once, at a commit ts the
 * store picks above its {@code max_ts} (see {@link ConcurrencyManager}) and above the start ts and
 * the request's {@code min_commit_ts}; the response carries it as {@code one_pc_commit_ts}. The
 * store falls back to an ordinary prewrite (locks, {@code one_pc_commit_ts} 0, as TiKV does) when it
 * cannot honour the request: no synced {@code max_ts} for this leadership ({@link MaxTsSync}), a
 * commit ts above {@code max_commit_ts}, or locks of this transaction already on the keys.
 *
 * <p><b>Async commit</b> ({@code use_async_commit}): the keys are locked as usual, but each lock's min
 * commit ts is computed by the store the same way (above {@code max_ts}), the locks are marked
 * async-commit and the primary's lock lists the {@code secondaries}; the answer's {@code
 * min_commit_ts} is the largest. Once all prewrites succeeded the transaction is committed, at the
 * largest answer of all regions; a resolver finds that from the locks (see {@link
 * CheckSecondaryLocks}). The same conditions as for 1PC make the store fall back to ordinary locks
 * and answer {@code min_commit_ts} 0, which tells the client to commit in two phases. 1PC wins when
 * both are asked for and 1PC is possible.
 *
 * <p>Only optimistic transactions are supported.
 *
 * @param maxTsSync the store's {@code max_ts} and its leadership sync; null where 1PC is not
 *     offered (it always falls back)
 */
public record Prewrite(Kvrpcpb.PrewriteRequest request, MaxTsSync maxTsSync)
        implements Command<Kvrpcpb.PrewriteResponse> {

    /** A prewrite that never commits in one phase. */
    public Prewrite(Kvrpcpb.PrewriteRequest request) {
        this(request, null);
    }

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return request.getMutationsList().stream()
                .map(m -> m.getKey().toByteArray())
                .toList();
    }

    @Override
    public Outcome<Kvrpcpb.PrewriteResponse> execute(MvccReader snapshot, KeyRange region) {
        long startTs = request.getStartVersion();
        validate(region);
        byte[] primary = request.getPrimaryLock().toByteArray();
        MvccTxn txn = new MvccTxn(startTs);
        List<Kvrpcpb.KeyError> lockErrors = new ArrayList<>();
        OwnLocks own = new OwnLocks();
        List<Kvrpcpb.Mutation> toLock = new ArrayList<>();
        List<Long> committedByUs = new ArrayList<>();
        for (Kvrpcpb.Mutation mutation : request.getMutationsList()) {
            byte[] key = mutation.getKey().toByteArray();
            Optional<Lock> existing = snapshot.lock(key);
            if (existing.isPresent() && existing.get().startTs() != startTs) {
                lockErrors.add(KeyErrors.locked(existing.get().toLockInfo(key)));
                continue;
            }
            if (existing.isPresent()) {
                own.add(existing.get());
                // Our own lock: the checks passed when it was placed, and no one can commit this
                // key while it stands. A retried prewrite changes nothing; a different mutation
                // replaces the lock (TinyKV's rule; TiKV clients never send one).
                if (mutation.getOp() != Kvrpcpb.Op.CheckNotExists) {
                    rewriteOwnLock(txn, mutation, key, primary, existing.get());
                }
                continue;
            }
            OptionalLong ours = checkNoNewerWrite(snapshot, key, primary);
            if (ours.isPresent()) {
                committedByUs.add(ours.getAsLong());
                continue;
            }
            if (mutation.getOp() == Kvrpcpb.Op.Insert || mutation.getOp() == Kvrpcpb.Op.CheckNotExists) {
                checkNotExists(snapshot, key);
            }
            if (mutation.getOp() != Kvrpcpb.Op.CheckNotExists) {
                toLock.add(mutation);
            }
        }
        if (!lockErrors.isEmpty()) {
            return Outcome.readOnly(Kvrpcpb.PrewriteResponse.newBuilder()
                    .addAllErrors(lockErrors)
                    .build());
        }
        if (!committedByUs.isEmpty()) {
            return Outcome.readOnly(alreadyCommitted(committedByUs));
        }
        boolean synced =
                maxTsSync != null && maxTsSync.isSynced(request.getContext().getRegionId(), snapshot.leaderTerm());
        // A retry after an earlier attempt fell back finds its own locks: it stays two-phase.
        if (request.getTryOnePc() && !own.any() && synced) {
            Optional<Outcome<Kvrpcpb.PrewriteResponse>> committed = commitInOnePhase(snapshot, primary);
            if (committed.isPresent()) {
                return committed.get();
            }
        }
        if (request.getUseAsyncCommit() && own.allAsync()) {
            if (toLock.isEmpty()) {
                // A retry whose first attempt placed every lock: its min commit ts stands, since
                // the commit ts is already fixed by those locks (a resolver may be using it).
                return new Outcome<>(
                        Kvrpcpb.PrewriteResponse.newBuilder()
                                .setMinCommitTs(own.maxMinCommitTs())
                                .build(),
                        txn.modifies());
            }
            if (synced) {
                Optional<Outcome<Kvrpcpb.PrewriteResponse>> locked =
                        lockForAsyncCommit(txn, toLock, primary, own.maxMinCommitTs());
                if (locked.isPresent()) {
                    return locked.get();
                }
            }
        }
        // Two-phase: ordinary locks (a resolver meeting one among async-commit locks knows that the
        // transaction fell back), min_commit_ts 0 in the answer.
        for (Kvrpcpb.Mutation mutation : toLock) {
            writeLock(txn, mutation, mutation.getKey().toByteArray(), primary);
        }
        return new Outcome<>(Kvrpcpb.PrewriteResponse.getDefaultInstance(), txn.modifies());
    }

    /** What a prewrite found of its own transaction's locks (a retry). */
    private static final class OwnLocks {
        private int count;
        private boolean allAsync = true;
        private long maxMinCommitTs;

        void add(Lock lock) {
            count++;
            allAsync &= lock.useAsyncCommit();
            if (Timestamps.after(lock.minCommitTs(), maxMinCommitTs)) {
                maxMinCommitTs = lock.minCommitTs();
            }
        }

        boolean any() {
            return count > 0;
        }

        /** True also when there are none. */
        boolean allAsync() {
            return allAsync;
        }

        long maxMinCommitTs() {
            return maxMinCommitTs;
        }
    }

    /**
     * Async commit: locks every mutation with a min commit ts the store computes above its {@code
     * max_ts} (as for 1PC, under memory locks held until the locks are applied), marks the locks
     * async-commit, and lists the secondaries on the primary's lock. The answer's {@code
     * min_commit_ts} is the largest of them (and of {@code ownMinCommitTs}, the locks an earlier
     * attempt placed): once every region answered, the transaction is committed at the largest
     * answer. Empty when that would exceed {@code max_commit_ts}.
     */
    private Optional<Outcome<Kvrpcpb.PrewriteResponse>> lockForAsyncCommit(
            MvccTxn txn, List<Kvrpcpb.Mutation> toLock, byte[] primary, long ownMinCommitTs) {
        List<byte[]> secondaries = request.getSecondariesList().stream()
                .map(ByteString::toByteArray)
                .toList();
        List<byte[]> keys = toLock.stream().map(m -> m.getKey().toByteArray()).toList();
        ConcurrencyManager.KeyGuard guard = maxTsSync.manager().lockKeys(keys);
        try {
            // Readers meeting the memory locks see async-commit locks; the primary's gets its
            // secondaries when it is written.
            List<Lock> locks = publishLocks(guard, toLock, keys, lock -> lock.asAsyncCommit(List.of()), primary);
            long minCommitTs = ownMinCommitTs;
            for (Lock lock : locks) {
                if (Timestamps.after(lock.minCommitTs(), minCommitTs)) {
                    minCommitTs = lock.minCommitTs();
                }
            }
            if (exceedsMaxCommitTs(minCommitTs)) {
                guard.close();
                return Optional.empty();
            }
            for (int i = 0; i < keys.size(); i++) {
                Lock lock = locks.get(i);
                if (lock.isPrimary(keys.get(i))) {
                    lock = lock.asAsyncCommit(secondaries);
                }
                if (lock.kind() == LockKind.PUT && !lock.hasShortValue()) {
                    txn.putValue(keys.get(i), toLock.get(i).getValue().toByteArray());
                }
                txn.putLock(keys.get(i), lock);
            }
            return Optional.of(new Outcome<>(
                    Kvrpcpb.PrewriteResponse.newBuilder()
                            .setMinCommitTs(minCommitTs)
                            .build(),
                    txn.modifies(),
                    guard::close));
        } catch (RuntimeException | Error e) {
            guard.close();
            throw e;
        }
    }

    /**
     * Publishes the lock of each of {@code mutations} (keys {@code keys}, all guarded) to readers with
     * a min commit ts above the current {@code max_ts} and at or above the request's floor (start ts
     * + 1, and its {@code min_commit_ts}); see {@link ConcurrencyManager} for why each lock is
     * computed under its memory lock.
     *
     * @param shape turns the plain lock of a mutation into the one to publish
     */
    private List<Lock> publishLocks(
            ConcurrencyManager.KeyGuard guard,
            List<Kvrpcpb.Mutation> mutations,
            List<byte[]> keys,
            UnaryOperator<Lock> shape,
            byte[] primary) {
        long startTs = request.getStartVersion();
        long floor = startTs + 1;
        if (Timestamps.after(request.getMinCommitTs(), floor)) {
            floor = request.getMinCommitTs();
        }
        long lowest = floor;
        List<Lock> locks = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            Kvrpcpb.Mutation mutation = mutations.get(i);
            locks.add(guard.publish(keys.get(i), maxTs -> {
                long minCommitTs = Timestamps.after(maxTs + 1, lowest) ? maxTs + 1 : lowest;
                return shape.apply(lockFor(mutation, primary).withMinCommitTs(minCommitTs));
            }));
        }
        return locks;
    }

    private boolean exceedsMaxCommitTs(long commitTs) {
        long maxCommitTs = request.getMaxCommitTs();
        return maxCommitTs != 0 && Timestamps.after(commitTs, maxCommitTs);
    }

    /**
     * Commits every mutation at once: memory locks on the keys first, then each key's lock computed
     * from {@code max_ts} under its memory lock (see {@link ConcurrencyManager} for why that order),
     * the commit ts the largest of their min commit timestamps. The memory locks stay until the
     * commit records are applied. Empty when the commit ts would exceed {@code max_commit_ts}.
     */
    private Optional<Outcome<Kvrpcpb.PrewriteResponse>> commitInOnePhase(MvccReader snapshot, byte[] primary) {
        long startTs = request.getStartVersion();
        // CheckNotExists only reads its key: it writes nothing a reader could miss.
        List<Kvrpcpb.Mutation> writing = request.getMutationsList().stream()
                .filter(m -> m.getOp() != Kvrpcpb.Op.CheckNotExists)
                .toList();
        List<byte[]> keys = writing.stream().map(m -> m.getKey().toByteArray()).toList();
        ConcurrencyManager.KeyGuard guard = maxTsSync.manager().lockKeys(keys);
        try {
            List<Lock> locks = publishLocks(guard, writing, keys, UnaryOperator.identity(), primary);
            long commitTs = startTs + 1;
            for (Lock lock : locks) {
                if (Timestamps.after(lock.minCommitTs(), commitTs)) {
                    commitTs = lock.minCommitTs();
                }
            }
            if (exceedsMaxCommitTs(commitTs)) {
                guard.close();
                return Optional.empty();
            }
            MvccTxn txn = new MvccTxn(startTs);
            for (int i = 0; i < keys.size(); i++) {
                writeCommitRecord(snapshot, txn, writing.get(i), keys.get(i), locks.get(i), commitTs);
            }
            return Optional.of(new Outcome<>(
                    Kvrpcpb.PrewriteResponse.newBuilder()
                            .setOnePcCommitTs(commitTs)
                            .build(),
                    txn.modifies(),
                    guard::close));
        } catch (RuntimeException | Error e) {
            guard.close();
            throw e;
        }
    }

    /** What committing {@code lock} at {@code commitTs} writes, without the lock ever being stored. */
    private static void writeCommitRecord(
            MvccReader snapshot, MvccTxn txn, Kvrpcpb.Mutation mutation, byte[] key, Lock lock, long commitTs) {
        if (lock.kind() == LockKind.PUT && !lock.hasShortValue()) {
            txn.putValue(key, mutation.getValue().toByteArray());
        }
        Write record = lock.toCommitRecord();
        Optional<CommittedWrite> sameTs = snapshot.writeAt(key, commitTs);
        if (sameTs.isPresent()) {
            // Only the rollback of a transaction that started at our commit ts can sit there (any
            // commit there would be newer than our start ts, which the checks refused): keep it as
            // a flag on our record, as a two-phase commit does.
            if (sameTs.get().kind() != WriteKind.ROLLBACK) {
                throw new KeyErrorException(KeyErrors.abort("1PC commit ts " + Timestamps.format(commitTs)
                        + " collides with " + sameTs.get().write() + " on key " + KeyCodec.hex(key)));
            }
            record = record.withOverlappedRollback();
        }
        txn.putWrite(key, commitTs, record);
    }

    private void validate(KeyRange region) {
        Requests.requireTs(request.getStartVersion(), "start_version");
        Requests.requireKey(request.getPrimaryLock(), "primary_lock");
        if (request.getForUpdateTs() != 0 || request.getIsPessimisticLockList().contains(true)) {
            throw Requests.invalid("pessimistic transactions are not supported");
        }
        TreeSet<byte[]> seen = new TreeSet<>(Arrays::compareUnsigned);
        for (Kvrpcpb.Mutation m : request.getMutationsList()) {
            byte[] key = Requests.requireKey(m.getKey(), "mutation key");
            if (!seen.add(key)) {
                throw Requests.invalid("key " + KeyCodec.hex(key) + " appears in two mutations");
            }
            switch (m.getOp()) {
                case Put, Del, Lock, Insert, CheckNotExists -> {}
                default -> throw Requests.invalid("mutation op " + m.getOp() + " is not supported by prewrite");
            }
            Requests.requireInRegion(context(), region, key);
        }
    }

    /**
     * First committer wins: any record at or after our start ts means a transaction we cannot see
     * committed (or we were rolled back: then the record is our rollback, at exactly our start ts).
     * Except our own commit record: a retried 1PC prewrite whose first attempt committed.
     *
     * @return the commit ts of our own commit record of {@code key}, if there is one
     */
    private OptionalLong checkNoNewerWrite(MvccReader snapshot, byte[] key, byte[] primary) {
        long startTs = request.getStartVersion();
        Optional<CommittedWrite> latest = snapshot.mostRecentWrite(key);
        if (latest.isEmpty()) {
            return OptionalLong.empty();
        }
        CommittedWrite w = latest.get();
        boolean newer = Timestamps.after(w.commitTs(), startTs);
        boolean rolledBack = w.commitTs() == startTs
                && (w.kind() == WriteKind.ROLLBACK || w.write().overlappedRollback());
        if (newer && !rolledBack) {
            TxnRecord own = snapshot.currentWrite(key, startTs);
            if (own instanceof TxnRecord.Found f && !f.isRollback()) {
                return OptionalLong.of(f.record().commitTs());
            }
        }
        if (newer || rolledBack) {
            throw new KeyErrorException(KeyErrors.conflict(
                    startTs,
                    w.write().startTs(),
                    w.commitTs(),
                    rolledBack || w.kind() == WriteKind.ROLLBACK,
                    key,
                    primary));
        }
        return OptionalLong.empty();
    }

    /**
     * The answer to a prewrite that finds the transaction already committed on its keys: a retried
     * 1PC prewrite (its first answer lost) gets the commit ts again, since all its keys committed
     * together. Anything else (a two-phase prewrite, or a request of which only some keys committed)
     * cannot be a retry of a successful request and is refused.
     */
    private Kvrpcpb.PrewriteResponse alreadyCommitted(List<Long> commitTimestamps) {
        long writing = request.getMutationsList().stream()
                .filter(m -> m.getOp() != Kvrpcpb.Op.CheckNotExists)
                .count();
        boolean oneCommitTs = commitTimestamps.stream().distinct().count() == 1;
        if (request.getTryOnePc() && oneCommitTs && commitTimestamps.size() == writing) {
            return Kvrpcpb.PrewriteResponse.newBuilder()
                    .setOnePcCommitTs(commitTimestamps.getFirst())
                    .build();
        }
        throw new KeyErrorException(KeyErrors.abort("txn " + Timestamps.format(request.getStartVersion())
                + " already committed " + commitTimestamps.size() + " of the keys of this prewrite (at "
                + Timestamps.format(commitTimestamps.getFirst()) + ")"));
    }

    private static void checkNotExists(MvccReader snapshot, byte[] key) {
        Optional<CommittedWrite> visible = snapshot.visibleWrite(key, Timestamps.MAX);
        if (visible.isPresent() && visible.get().kind() == WriteKind.PUT) {
            throw new KeyErrorException(KeyErrors.alreadyExist(key));
        }
    }

    private void rewriteOwnLock(MvccTxn txn, Kvrpcpb.Mutation mutation, byte[] key, byte[] primary, Lock existing) {
        Lock requested = lockFor(mutation, primary);
        boolean longValue = requested.kind() == LockKind.PUT && !requested.hasShortValue();
        if (!longValue
                && requested.kind() == existing.kind()
                && Arrays.equals(requested.shortValue(), existing.shortValue())) {
            return;
        }
        if (existing.kind() == LockKind.PUT && !existing.hasShortValue() && !longValue) {
            txn.deleteValue(key);
        }
        if (longValue) {
            txn.putValue(key, mutation.getValue().toByteArray());
        }
        // A heartbeat may have raised the TTL and a status check the min commit ts since the lock
        // was placed; a replayed request must not take either back.
        // An async-commit lock keeps its flag and secondaries: its min commit ts may already decide
        // the transaction's commit ts.
        txn.putLock(
                key,
                new Lock(
                        requested.kind(),
                        primary,
                        requested.startTs(),
                        maxUnsigned(existing.ttlMillis(), requested.ttlMillis()),
                        maxUnsigned(existing.minCommitTs(), requested.minCommitTs()),
                        requested.txnSize(),
                        requested.shortValue(),
                        existing.useAsyncCommit(),
                        existing.secondaries()));
    }

    private static long maxUnsigned(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    private void writeLock(MvccTxn txn, Kvrpcpb.Mutation mutation, byte[] key, byte[] primary) {
        Lock lock = lockFor(mutation, primary);
        if (lock.kind() == LockKind.PUT && !lock.hasShortValue()) {
            txn.putValue(key, mutation.getValue().toByteArray());
        }
        txn.putLock(key, lock);
    }

    /** The lock a mutation leaves; a Put's value is inlined when short enough. */
    private Lock lockFor(Kvrpcpb.Mutation mutation, byte[] primary) {
        LockKind kind = switch (mutation.getOp()) {
            case Put, Insert -> LockKind.PUT;
            case Del -> LockKind.DELETE;
            case Lock -> LockKind.LOCK;
            default -> throw new IllegalStateException("op " + mutation.getOp() + " passed validation");
        };
        byte[] shortValue = null;
        if (kind == LockKind.PUT && mutation.getValue().size() <= Lock.SHORT_VALUE_MAX_BYTES) {
            shortValue = mutation.getValue().toByteArray();
        }
        return new Lock(
                kind,
                primary,
                request.getStartVersion(),
                request.getLockTtl(),
                request.getMinCommitTs(),
                request.getTxnSize(),
                shortValue);
    }

    @Override
    public Kvrpcpb.PrewriteResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.PrewriteResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.PrewriteResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.PrewriteResponse.newBuilder().addErrors(error).build();
    }
}
