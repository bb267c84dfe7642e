package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.ResponseBudget;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.ReadView;
import io.tinykv.txn.mvcc.ScanEntry;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * KvScan: up to {@code limit} live keys from {@code start_key}, bounded by {@code end_key} and the
 * region. Forward scans cover {@code [start_key, end_key)}; reverse scans go down from
 * {@code start_key} (exclusive) to {@code end_key} (inclusive), as in TiKV. A blocked key comes
 * back as a pair carrying its lock error and counts towards the limit. A scan whose pairs would
 * carry more than {@code maxResponseBytes} of keys and values is refused
 * ({@link ResponseBudget.ResponseTooLargeException}) as soon as it gets there.
 */
public record Scan(Kvrpcpb.ScanRequest request, long maxResponseBytes) implements Command<Kvrpcpb.ScanResponse> {

    /** Without a bound on the response's bytes (the scan limit still bounds its pairs). */
    public Scan(Kvrpcpb.ScanRequest request) {
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

    /** The keys the request asks for, before the region bounds them. */
    public KeyRange requestedRange() {
        byte[] start = request.getStartKey().toByteArray();
        byte[] end = request.getEndKey().toByteArray();
        return request.getReverse() ? new KeyRange(end, start) : new KeyRange(start, end);
    }

    @Override
    public Outcome<Kvrpcpb.ScanResponse> execute(MvccReader snapshot, KeyRange region) {
        KeyRange requested = requestedRange();
        if (!request.getReverse()) {
            // The scan starts at start_key; it must lie in the region the client routed it to.
            Requests.requireInRegion(context(), region, request.getStartKey().toByteArray());
        }
        KeyRange range = requested.intersect(region);
        Kvrpcpb.ScanResponse.Builder response = Kvrpcpb.ScanResponse.newBuilder();
        if (range.isEmpty()) {
            return Outcome.readOnly(response.build());
        }
        ReadView view = ReadViews.of(context(), request.getVersion(), snapshot, region);
        Optional<Map.Entry<byte[], Lock>> pending = firstBlockingMemoryLock(snapshot, range, view);
        if (pending.isPresent()) {
            // As TiKV answers a memory lock: in the error and as the first pair, so that clients that
            // look at only one of them see it.
            Kvrpcpb.KeyError locked = KeyErrors.locked(
                    pending.get().getValue().toLockInfo(pending.get().getKey()));
            return Outcome.readOnly(response.setError(locked)
                    .addPairs(Kvrpcpb.KvPair.newBuilder()
                            .setKey(ByteString.copyFrom(pending.get().getKey()))
                            .setError(locked))
                    .build());
        }
        List<ScanEntry> entries = snapshot.scan(
                range,
                view,
                request.getLimit(),
                request.getReverse(),
                request.getKeyOnly(),
                new ResponseBudget(maxResponseBytes, "limits.max-response-size"));
        for (ScanEntry entry : entries) {
            Kvrpcpb.KvPair.Builder pair = Kvrpcpb.KvPair.newBuilder().setKey(ByteString.copyFrom(entry.key()));
            switch (entry) {
                case ScanEntry.Value v -> {
                    if (v.value() != null) {
                        pair.setValue(ByteString.copyFrom(v.value()));
                    }
                }
                case ScanEntry.Locked l ->
                    pair.setError(KeyErrors.locked(l.lock().toLockInfo(l.key())));
            }
            response.addPairs(pair);
        }
        return Outcome.readOnly(response.build());
    }

    /** The memory lock in {@code range} the scan meets first, if one blocks it. */
    private Optional<Map.Entry<byte[], Lock>> firstBlockingMemoryLock(
            MvccReader snapshot, KeyRange range, ReadView view) {
        NavigableMap<byte[], Lock> locks = snapshot.memoryLocks();
        if (locks.isEmpty()) {
            return Optional.empty();
        }
        NavigableMap<byte[], Lock> ordered = request.getReverse() ? locks.descendingMap() : locks;
        return ordered.entrySet().stream()
                .filter(e -> range.contains(e.getKey()) && view.isBlockedBy(e.getValue(), e.getKey()))
                .findFirst();
    }

    @Override
    public Kvrpcpb.ScanResponse regionError(Errorpb.Error error) {
        return Kvrpcpb.ScanResponse.newBuilder().setRegionError(error).build();
    }

    @Override
    public Kvrpcpb.ScanResponse keyError(Kvrpcpb.KeyError error) {
        return Kvrpcpb.ScanResponse.newBuilder().setError(error).build();
    }
}
