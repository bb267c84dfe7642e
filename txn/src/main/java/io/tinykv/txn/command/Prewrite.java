package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * KvPrewrite, the first phase of Percolator's two-phase commit: lock every mutated key for the
 * transaction, after checking that no other transaction holds it and that nothing committed at or
 * after our start ts (first committer wins). All or nothing: if any key fails, nothing is written.
 * Locks of other transactions are all reported, so the client can resolve them in one go; any
 * other error stops the command at once. A retried prewrite of the same transaction is idempotent.
 *
 * <p>Only optimistic transactions are supported. Async commit and 1PC requests fall back to the
 * normal two-phase commit (a zero {@code min_commit_ts} in the response tells the client so, as
 * TiKV does when it cannot honour them).
 */
public record Prewrite(Kvrpcpb.PrewriteRequest request) implements Command<Kvrpcpb.PrewriteResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return request.getMutationsList().stream().map(m -> m.getKey().toByteArray()).toList();
    }

    @Override
    public Outcome<Kvrpcpb.PrewriteResponse> execute(MvccReader snapshot, KeyRange region) {
        long startTs = request.getStartVersion();
        validate(region);
        byte[] primary = request.getPrimaryLock().toByteArray();
        MvccTxn txn = new MvccTxn(startTs);
        List<Kvrpcpb.KeyError> lockErrors = new ArrayList<>();
        for (Kvrpcpb.Mutation mutation : request.getMutationsList()) {
            byte[] key = mutation.getKey().toByteArray();
            Optional<Lock> existing = snapshot.lock(key);
            if (existing.isPresent() && existing.get().startTs() != startTs) {
                lockErrors.add(KeyErrors.locked(existing.get().toLockInfo(key)));
                continue;
            }
            if (existing.isPresent()) {
                // Our own lock: the checks passed when it was placed, and no one can commit this
                // key while it stands. A retried prewrite changes nothing; a different mutation
                // replaces the lock (TinyKV's rule; TiKV clients never send one).
                if (mutation.getOp() != Kvrpcpb.Op.CheckNotExists) {
                    rewriteOwnLock(txn, mutation, key, primary, existing.get());
                }
                continue;
            }
            checkNoNewerWrite(snapshot, key, primary);
            if (mutation.getOp() == Kvrpcpb.Op.Insert || mutation.getOp() == Kvrpcpb.Op.CheckNotExists) {
                checkNotExists(snapshot, key);
            }
            if (mutation.getOp() != Kvrpcpb.Op.CheckNotExists) {
                writeLock(txn, mutation, key, primary);
            }
        }
        if (!lockErrors.isEmpty()) {
            return Outcome.readOnly(Kvrpcpb.PrewriteResponse.newBuilder().addAllErrors(lockErrors).build());
        }
        return new Outcome<>(Kvrpcpb.PrewriteResponse.getDefaultInstance(), txn.modifies());
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
                case Put, Del, Lock, Insert, CheckNotExists -> { }
                default -> throw Requests.invalid("mutation op " + m.getOp() + " is not supported by prewrite");
            }
            Requests.requireInRegion(context(), region, key);
        }
    }

    /**
     * First committer wins: any record at or after our start ts means a transaction we cannot see
     * committed (or we were rolled back: then the record is our rollback, at exactly our start ts).
     */
    private void checkNoNewerWrite(MvccReader snapshot, byte[] key, byte[] primary) {
        long startTs = request.getStartVersion();
        Optional<CommittedWrite> latest = snapshot.mostRecentWrite(key);
        if (latest.isEmpty()) {
            return;
        }
        CommittedWrite w = latest.get();
        boolean newer = Timestamps.after(w.commitTs(), startTs);
        boolean rolledBack = w.commitTs() == startTs
                && (w.kind() == WriteKind.ROLLBACK || w.write().overlappedRollback());
        if (newer || rolledBack) {
            throw new KeyErrorException(KeyErrors.conflict(startTs, w.write().startTs(), w.commitTs(), key, primary));
        }
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
        if (!longValue && requested.kind() == existing.kind()
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
        txn.putLock(key, new Lock(requested.kind(), primary, requested.startTs(),
                maxUnsigned(existing.ttlMillis(), requested.ttlMillis()),
                maxUnsigned(existing.minCommitTs(), requested.minCommitTs()),
                requested.txnSize(), requested.shortValue()));
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
        return new Lock(kind, primary, request.getStartVersion(), request.getLockTtl(),
                request.getMinCommitTs(), request.getTxnSize(), shortValue);
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
