package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.ResponseBudget;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.ReadView;
import java.util.List;
import java.util.Optional;

/**
 * KvBatchGet: the values of several keys at one version. Absent keys are left out; a blocked key
 * comes back as a pair carrying its lock error, as TiKV does, so the client resolves only those.
 * Duplicate keys are read and answered once; pairs that would carry more than
 * {@code maxResponseBytes} of keys and values refuse the request
 * ({@link ResponseBudget.ResponseTooLargeException}).
 */
public record BatchGet(Kvrpcpb.BatchGetRequest request, long maxResponseBytes)
        implements Command<Kvrpcpb.BatchGetResponse> {

    /** Without a bound on the response's bytes. */
    public BatchGet(Kvrpcpb.BatchGetRequest request) {
        this(request, Long.MAX_VALUE);
    }

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
        ResponseBudget budget = new ResponseBudget(maxResponseBytes, "limits.max-response-size");
        for (byte[] key : keys) {
            Optional<Lock> lock = snapshot.lock(key);
            if (lock.isPresent() && view.isBlockedBy(lock.get(), key)) {
                budget.chargePair(key, lock.get().primary());
                response.addPairs(Kvrpcpb.KvPair.newBuilder()
                        .setKey(ByteString.copyFrom(key))
                        .setError(KeyErrors.locked(lock.get().toLockInfo(key))));
                continue;
            }
            Optional<byte[]> value = snapshot.valueAt(key, request.getVersion());
            if (value.isPresent()) {
                budget.chargePair(key, value.get());
                response.addPairs(Kvrpcpb.KvPair.newBuilder()
                        .setKey(ByteString.copyFrom(key))
                        .setValue(ByteString.copyFrom(value.get())));
            }
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
