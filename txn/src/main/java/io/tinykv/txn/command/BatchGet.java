package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.ReadView;
import java.util.List;
import java.util.Optional;

/**
 * KvBatchGet: the values of several keys at one version. Absent keys are left out; a blocked key
 * comes back as a pair carrying its lock error, as TiKV does, so the client resolves only those.
 */
public record BatchGet(Kvrpcpb.BatchGetRequest request) implements Command<Kvrpcpb.BatchGetResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return List.of();
    }

    @Override
    public Outcome<Kvrpcpb.BatchGetResponse> execute(MvccReader snapshot, KeyRange region) {
        List<byte[]> keys = Requests.distinctKeys(request.getKeysList(), "keys");
        Requests.requireInRegion(context(), region, keys);
        ReadView view = ReadViews.of(context(), request.getVersion(), snapshot, region);
        Kvrpcpb.BatchGetResponse.Builder response = Kvrpcpb.BatchGetResponse.newBuilder();
        for (byte[] key : keys) {
            Optional<Lock> lock = snapshot.lock(key);
            if (lock.isPresent() && view.isBlockedBy(lock.get(), key)) {
                response.addPairs(Kvrpcpb.KvPair.newBuilder()
                        .setKey(ByteString.copyFrom(key))
                        .setError(KeyErrors.locked(lock.get().toLockInfo(key))));
                continue;
            }
            snapshot.valueAt(key, request.getVersion()).ifPresent(v -> response.addPairs(
                    Kvrpcpb.KvPair.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(v))));
        }
        return Outcome.readOnly(response.build());
    }

    @Override
    public Kvrpcpb.BatchGetResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.BatchGetResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.BatchGetResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.BatchGetResponse.newBuilder().setError(error).build();
    }
}
