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

/** KvGet: the value of one key at the request's version, unless a lock may hide a newer commit. */
public record Get(Kvrpcpb.GetRequest request) implements Command<Kvrpcpb.GetResponse> {

    @Override
    public Kvrpcpb.Context context() {
        return request.getContext();
    }

    @Override
    public List<byte[]> latchKeys() {
        return List.of();
    }

    @Override
    public Outcome<Kvrpcpb.GetResponse> execute(MvccReader snapshot, KeyRange region) {
        byte[] key = Requests.requireKey(request.getKey(), "key");
        Requests.requireInRegion(context(), region, key);
        ReadView view = ReadViews.of(context(), request.getVersion(), snapshot, region);
        Optional<Lock> lock = snapshot.lock(key);
        if (lock.isPresent() && view.isBlockedBy(lock.get(), key)) {
            throw new KeyErrorException(KeyErrors.locked(lock.get().toLockInfo(key)));
        }
        Optional<byte[]> value = snapshot.valueAt(key, request.getVersion());
        Kvrpcpb.GetResponse.Builder response = Kvrpcpb.GetResponse.newBuilder();
        value.ifPresentOrElse(v -> response.setValue(ByteString.copyFrom(v)), () -> response.setNotFound(true));
        return Outcome.readOnly(response.build());
    }

    @Override
    public Kvrpcpb.GetResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.GetResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.GetResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.GetResponse.newBuilder().setError(error).build();
    }
}
