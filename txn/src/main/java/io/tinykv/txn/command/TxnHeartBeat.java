package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import java.util.List;
import java.util.Optional;

/**
 * KvTxnHeartBeat: a long transaction keeps its primary lock alive by raising its TTL to
 * {@code advise_lock_ttl}. The TTL never shrinks; the response carries the TTL now in force.
 */
public record TxnHeartBeat(Kvrpcpb.TxnHeartBeatRequest request) implements Command<Kvrpcpb.TxnHeartBeatResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return List.of(request.getPrimaryLock().toByteArray());
    }

    @Override
    public Outcome<Kvrpcpb.TxnHeartBeatResponse> execute(MvccReader snapshot, KeyRange region) {
        long startTs = request.getStartVersion();
        Requests.requireTs(startTs, "start_version");
        byte[] primary = Requests.requireKey(request.getPrimaryLock(), "primary_lock");
        Requests.requireInRegion(context(), region, primary);
        Optional<Lock> found = snapshot.lock(primary);
        if (found.isEmpty() || found.get().startTs() != startTs) {
            throw new KeyErrorException(KeyErrors.txnNotFound(startTs, primary));
        }
        Lock lock = found.get();
        MvccTxn txn = new MvccTxn(startTs);
        if (Long.compareUnsigned(lock.ttlMillis(), request.getAdviseLockTtl()) < 0) {
            lock = lock.withTtl(request.getAdviseLockTtl());
            txn.putLock(primary, lock);
        }
        return new Outcome<>(
                Kvrpcpb.TxnHeartBeatResponse.newBuilder()
                        .setLockTtl(lock.ttlMillis())
                        .build(),
                txn.modifies());
    }

    @Override
    public Kvrpcpb.TxnHeartBeatResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.TxnHeartBeatResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.TxnHeartBeatResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.TxnHeartBeatResponse.newBuilder().setError(error).build();
    }
}
