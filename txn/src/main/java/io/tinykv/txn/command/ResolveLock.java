package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockedKey;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import io.tinykv.txn.mvcc.Timestamps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KvResolveLock: finish transactions whose fate is decided, on the keys they left locked: commit
 * them at their commit ts, or roll them back (commit ts 0).
 *
 * <p>Two forms, as in TiKV. With {@code keys} ("lite"), exactly those keys of
 * {@code start_version} are resolved, whether or not a lock is still there. Without keys, every
 * lock of the transactions (one, or several through {@code txn_infos}) in the region is resolved:
 * the locks are found by a read before latching ({@link #findLocks}), then resolved in batches of
 * this command, each re-checking under its latches that the lock is still there.
 *
 * @param txnStatus start ts → commit ts (0: roll back)
 * @param keys the keys to resolve
 * @param lite whether the client named the keys (resolve even without a lock)
 */
public record ResolveLock(Kvrpcpb.Context context, Map<Long, Long> txnStatus, List<byte[]> keys, boolean lite)
        implements Command<Kvrpcpb.ResolveLockResponse> {

    public ResolveLock {
        txnStatus = Map.copyOf(txnStatus);
        keys = List.copyOf(keys);
    }

    /**
     * The transactions a request resolves: its {@code start_version} (with {@code commit_version}),
     * or else each of its {@code txn_infos}.
     */
    public static Map<Long, Long> txnStatusOf(Kvrpcpb.ResolveLockRequest request) {
        Map<Long, Long> status = new LinkedHashMap<>();
        if (request.getStartVersion() != 0) {
            status.put(request.getStartVersion(), request.getCommitVersion());
        } else {
            for (Kvrpcpb.TxnInfo info : request.getTxnInfosList()) {
                status.put(info.getTxn(), info.getStatus());
            }
        }
        for (Map.Entry<Long, Long> e : status.entrySet()) {
            Requests.requireTs(e.getKey(), "start ts of a resolved txn");
            if (e.getValue() != 0 && !Timestamps.after(e.getValue(), e.getKey())) {
                throw Requests.invalid("commit ts " + Timestamps.format(e.getValue())
                        + " must be greater than start ts " + Timestamps.format(e.getKey()));
            }
        }
        if (status.isEmpty()) {
            throw Requests.invalid("resolve lock names no transaction (start_version and txn_infos are empty)");
        }
        if (request.getKeysCount() > 0 && status.size() != 1) {
            throw Requests.invalid("resolving given keys needs exactly one transaction");
        }
        return status;
    }

    /** The lite form: the request's keys of its one transaction. */
    public static ResolveLock lite(Kvrpcpb.ResolveLockRequest request) {
        return new ResolveLock(
                request.getContext(), txnStatusOf(request), Requests.distinctKeys(request.getKeysList(), "keys"), true);
    }

    /**
     * The read phase of the scanning form: up to {@code limit} keys in {@code range} locked by one
     * of the transactions, in key order.
     */
    public static List<byte[]> findLocks(MvccReader snapshot, KeyRange range, Map<Long, Long> txnStatus, int limit) {
        List<LockedKey> locks = snapshot.scanLocks(range, lock -> txnStatus.containsKey(lock.startTs()), limit);
        List<byte[]> keys = new ArrayList<>(locks.size());
        for (LockedKey locked : locks) {
            keys.add(locked.key());
        }
        return keys;
    }

    @Override
    public List<byte[]> latchKeys() {
        return keys;
    }

    @Override
    public Outcome<Kvrpcpb.ResolveLockResponse> execute(MvccReader snapshot, KeyRange region) {
        Requests.requireInRegion(context, region, keys);
        Map<Long, MvccTxn> txns = new LinkedHashMap<>();
        for (byte[] key : keys) {
            long startTs;
            if (lite) {
                startTs = txnStatus.keySet().iterator().next();
            } else {
                Optional<Lock> lock = snapshot.lock(key);
                if (lock.isEmpty() || !txnStatus.containsKey(lock.get().startTs())) {
                    // Resolved by someone else since the read phase; the outcome is the same.
                    continue;
                }
                startTs = lock.get().startTs();
            }
            long commitTs = txnStatus.get(startTs);
            MvccTxn txn = txns.computeIfAbsent(startTs, MvccTxn::new);
            if (commitTs == 0) {
                TxnActions.cleanup(snapshot, txn, key, 0);
            } else {
                TxnActions.commit(snapshot, txn, key, commitTs);
            }
        }
        List<io.tinykv.storage.Modify> writes = new ArrayList<>();
        for (MvccTxn txn : txns.values()) {
            writes.addAll(txn.modifies());
        }
        return new Outcome<>(Kvrpcpb.ResolveLockResponse.getDefaultInstance(), writes);
    }

    @Override
    public Kvrpcpb.ResolveLockResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.ResolveLockResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.ResolveLockResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.ResolveLockResponse.newBuilder().setError(error).build();
    }
}
