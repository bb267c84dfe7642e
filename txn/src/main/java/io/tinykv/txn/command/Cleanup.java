package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.MvccTxn;
import java.util.List;

/**
 * KvCleanup: roll back one key of a transaction if its lock has expired at {@code current_ts}
 * ({@code current_ts} 0: unconditionally). A still-live lock comes back as a locked error; a
 * committed transaction comes back as its commit version, not as an error.
 */
public record Cleanup(Kvrpcpb.CleanupRequest request) implements Command<Kvrpcpb.CleanupResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return List.of(request.getKey().toByteArray());
    }

    @Override
    public Outcome<Kvrpcpb.CleanupResponse> execute(MvccReader snapshot, KeyRange region) {
        Requests.requireTs(request.getStartVersion(), "start_version");
        byte[] key = Requests.requireKey(request.getKey(), "key");
        Requests.requireInRegion(context(), region, key);
        MvccTxn txn = new MvccTxn(request.getStartVersion());
        try {
            TxnActions.cleanup(snapshot, txn, key, request.getCurrentTs());
        } catch (CommittedException e) {
            return Outcome.readOnly(Kvrpcpb.CleanupResponse.newBuilder()
                    .setCommitVersion(e.commitTs())
                    .build());
        }
        return new Outcome<>(Kvrpcpb.CleanupResponse.getDefaultInstance(), txn.modifies());
    }

    @Override
    public Kvrpcpb.CleanupResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.CleanupResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.CleanupResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.CleanupResponse.newBuilder().setError(error).build();
    }
}
