package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import java.util.List;

/**
 * KvBatchRollback: abort the transaction on the given keys. Each key gets a rollback record even
 * when the transaction never locked it, so a prewrite that arrives late fails instead of
 * resurrecting the transaction. A key the transaction already committed is an abort error;
 * another transaction's lock is left alone.
 */
public record BatchRollback(Kvrpcpb.BatchRollbackRequest request) implements Command<Kvrpcpb.BatchRollbackResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return Requests.bytes(request.getKeysList());
    }

    @Override
    public Outcome<Kvrpcpb.BatchRollbackResponse> execute(MvccReader snapshot, KeyRange region) {
        Requests.requireTs(request.getStartVersion(), "start_version");
        List<byte[]> keys = Requests.distinctKeys(request.getKeysList(), "keys");
        Requests.requireInRegion(context(), region, keys);
        MvccTxn txn = new MvccTxn(request.getStartVersion());
        for (byte[] key : keys) {
            TxnActions.cleanup(snapshot, txn, key, 0);
        }
        return new Outcome<>(Kvrpcpb.BatchRollbackResponse.getDefaultInstance(), txn.modifies());
    }

    @Override
    public Kvrpcpb.BatchRollbackResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.BatchRollbackResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.BatchRollbackResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.BatchRollbackResponse.newBuilder().setError(error).build();
    }
}
