package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import io.tinykv.txn.mvcc.Timestamps;
import java.util.List;

/**
 * KvCommit, the second phase: turn the transaction's locks on the given keys into commit records
 * at {@code commit_version}. Idempotent; all or nothing.
 */
public record Commit(Kvrpcpb.CommitRequest request) implements Command<Kvrpcpb.CommitResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return Requests.bytes(request.getKeysList());
    }

    @Override
    public Outcome<Kvrpcpb.CommitResponse> execute(MvccReader snapshot, KeyRange region) {
        long startTs = request.getStartVersion();
        long commitTs = request.getCommitVersion();
        Requests.requireTs(startTs, "start_version");
        if (!Timestamps.after(commitTs, startTs)) {
            throw Requests.invalid("commit_version " + Timestamps.format(commitTs)
                    + " must be greater than start_version " + Timestamps.format(startTs));
        }
        List<byte[]> keys = Requests.distinctKeys(request.getKeysList(), "keys");
        Requests.requireInRegion(context(), region, keys);
        MvccTxn txn = new MvccTxn(startTs);
        for (byte[] key : keys) {
            TxnActions.commit(snapshot, txn, key, commitTs);
        }
        return new Outcome<>(
                Kvrpcpb.CommitResponse.newBuilder().setCommitVersion(commitTs).build(), txn.modifies());
    }

    @Override
    public Kvrpcpb.CommitResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.CommitResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.CommitResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.CommitResponse.newBuilder().setError(error).build();
    }
}
