package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * KvCheckSecondaryLocks: the state of an async-commit transaction's secondary keys, for a resolver
 * that found its primary lock. An async-commit transaction is committed exactly when all its locks
 * were placed, so the resolver needs one of three answers per region:
 *
 * <ul>
 *   <li>every key still carries the transaction's lock: the locks (with their min commit ts) are
 *       returned;</li>
 *   <li>a key was committed: its commit ts ({@code commit_ts}), the transaction's;</li>
 *   <li>a key was rolled back, or never locked: no locks and {@code commit_ts} 0. A key with
 *       neither lock nor record gets a rollback record now, so that the prewrite still on its way
 *       cannot land and make the transaction committed after all.</li>
 * </ul>
 *
 * The first key that is not locked decides the answer (TiKV's order).
 */
public record CheckSecondaryLocks(Kvrpcpb.CheckSecondaryLocksRequest request)
        implements Command<Kvrpcpb.CheckSecondaryLocksResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return Requests.bytes(request.getKeysList());
    }

    @Override
    public Outcome<Kvrpcpb.CheckSecondaryLocksResponse> execute(MvccReader snapshot, KeyRange region) {
        long startTs = request.getStartVersion();
        Requests.requireTs(startTs, "start_version");
        List<byte[]> keys = new ArrayList<>();
        for (var k : request.getKeysList()) {
            byte[] key = Requests.requireKey(k, "key");
            Requests.requireInRegion(context(), region, key);
            keys.add(key);
        }
        MvccTxn txn = new MvccTxn(startTs);
        Kvrpcpb.CheckSecondaryLocksResponse.Builder response = Kvrpcpb.CheckSecondaryLocksResponse.newBuilder();
        for (byte[] key : keys) {
            Optional<Lock> lock = TxnActions.ownLock(snapshot, txn, key);
            if (lock.isPresent()) {
                response.addLocks(lock.get().toLockInfo(key));
                continue;
            }
            try {
                TxnActions.rollbackMissingLock(snapshot, txn, key);
            } catch (CommittedException e) {
                return Outcome.readOnly(Kvrpcpb.CheckSecondaryLocksResponse.newBuilder()
                        .setCommitTs(e.commitTs())
                        .build());
            }
            return new Outcome<>(Kvrpcpb.CheckSecondaryLocksResponse.getDefaultInstance(), txn.modifies());
        }
        return Outcome.readOnly(response.build());
    }

    @Override
    public Kvrpcpb.CheckSecondaryLocksResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.CheckSecondaryLocksResponse.newBuilder()
                .setRegionError(error)
                .build();
    }

    @Override
    public Kvrpcpb.CheckSecondaryLocksResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.CheckSecondaryLocksResponse.newBuilder().setError(error).build();
    }
}
