package io.tinykv.client.raw;

import com.google.protobuf.ByteString;
import io.tinykv.client.Backoff;
import io.tinykv.client.ChannelPool;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.Failures;
import io.tinykv.client.KeyValue;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.Keys;
import io.tinykv.client.PdException;
import io.tinykv.client.RpcException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.OnDeadline;
import io.tinykv.client.region.RegionCache;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.region.RegionKeyCodec;
import io.tinykv.client.region.RegionRequestSender;
import io.tinykv.client.region.RegionRouter;
import io.tinykv.client.region.ScanPages;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.security.ChannelFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A RawKV client: plain keys and values, no transactions. It finds each key's region through PD,
 * caches the routes and talks to the region leaders directly.
 *
 * <p>Failures that retrying fixes (leader changes, region splits, busy or unreachable stores) are
 * retried within the configured backoff budget; see {@link TinyKvException} for what is reported.
 * Every operation here is idempotent, which is what makes retrying safe: a put or delete that reached
 * the store before a failure, executed again, leaves the same result. There is deliberately no
 * compare-and-swap or increment here.
 *
 * <p>A store that gives no answer within {@link ClientConfig#kvTimeoutMs} is treated by what the
 * operation does. Reads (get, batchGet, scan, reverseScan) are sent again to the region's current
 * leader, as TiKV's clients do: they have no effect. Writes are not, unlike TiKV's clients: see
 * {@link #WRITES_ON_DEADLINE}.
 *
 * <p>Batch operations split their keys by region (and each region's keys into requests of at most
 * {@link ClientConfig#batchSizeKeys} keys) and send the requests one after the other; they are not
 * atomic across requests: when one fails, the ones before it were applied.
 *
 * <p>Thread-safe; meant to be shared. Keys compare as unsigned bytes. Operations act on the store's
 * default column family unless a {@link #withColumnFamily view} names another.
 */
public final class RawKvClient implements AutoCloseable {
    /**
     * Reads whose answer did not come within the deadline are sent again: a read changes nothing, so a
     * second copy is harmless whether or not the first one ran.
     */
    private static final OnDeadline READS_ON_DEADLINE = OnDeadline.RETRY;
    /**
     * Writes (put, delete, their batches, deleteRange) whose answer did not come within the deadline are
     * reported ({@link RpcException}), not sent again, although TiKV's clients do send them again. The first
     * copy may still be applied after the deadline (a slow store, a proposal committed late); with a second
     * copy in flight both may apply, and a write of another client that lands between them is undone by
     * the second: readers see our value, theirs, then ours again, a history in which our one put took
     * effect twice. That breaks linearizability, which the register workloads check (RawKvNemesisTest).
     * Reported, the put took effect at most once, at some point after it was called; whether to send it
     * again is the caller's choice (a blind overwrite may, a write others build on should read first).
     * An unreachable store (UNAVAILABLE) is still retried: there the request almost always never left the
     * client or never reached the store.
     */
    static final OnDeadline WRITES_ON_DEADLINE = OnDeadline.REPORT;

    /** What a view shares with the client that created it. */
    private record Shared(ClientConfig config, Clock clock, ChannelPool channels, PdClient pd, RegionRouter router) {}

    private final Shared shared;
    private final String columnFamily;
    private final boolean ownsShared;

    private RawKvClient(Shared shared, String columnFamily, boolean ownsShared) {
        this.shared = shared;
        this.columnFamily = columnFamily;
        this.ownsShared = ownsShared;
    }

    /** Connects with plain-text gRPC channels and the real clock. */
    public static RawKvClient create(ClientConfig config) {
        return create(config, ChannelFactory.plaintext(), Clock.system());
    }

    /**
     * Connects to PD (failing at once if no configured PD answers).
     *
     * @param channelFactory opens the channels to PD and to the stores
     * @param clock          drives the backoff between retries
     * @throws PdException when no configured PD answers
     */
    public static RawKvClient create(ClientConfig config, ChannelFactory channelFactory, Clock clock) {
        Objects.requireNonNull(config, "config");
        ChannelPool channels = new ChannelPool(channelFactory);
        try {
            PdClient pd = PdClient.connect(config, channels, clock, RegionKeyCodec.RAW);
            RegionCache cache = new RegionCache(pd);
            RegionRequestSender sender = new RegionRequestSender(cache, channels, config.kvTimeoutMs());
            RegionRouter router = new RegionRouter(cache, sender, config.batchSizeKeys());
            return new RawKvClient(new Shared(config, clock, channels, pd, router), "", true);
        } catch (RuntimeException e) {
            channels.close();
            throw e;
        }
    }

    /**
     * A view of this client that works on column family {@code cf} (e.g. "default", "lock", "write");
     * the store rejects names it does not know. The view shares this client's connections and cache:
     * closing the view does nothing, closing this client closes both.
     */
    public RawKvClient withColumnFamily(String cf) {
        return new RawKvClient(shared, Objects.requireNonNull(cf, "cf"), false);
    }

    /** The column family this client works on; empty means the store's default. */
    public String columnFamily() {
        return columnFamily;
    }

    /** The value of {@code key}, or empty when it has none. */
    public Optional<ByteString> get(ByteString key) {
        Objects.requireNonNull(key, "key");
        Kvrpcpb.RawGetResponse response = sendForKey(
                "get",
                key,
                (stub, ctx) -> stub.rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                        .setContext(ctx)
                        .setKey(key)
                        .setCf(columnFamily)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                READS_ON_DEADLINE);
        checkError("get " + Keys.describe(key), response.getError());
        return response.getNotFound() ? Optional.empty() : Optional.of(response.getValue());
    }

    /** The values of those {@code keys} that have one, in the order the keys were given. */
    public Map<ByteString, ByteString> batchGet(List<ByteString> keys) {
        // By key: a group sent again (its region changed, or its answer did not come in time) cannot add a
        // key twice.
        Map<ByteString, ByteString> found = new HashMap<>();
        sendGrouped(
                "batchGet",
                keys,
                (stub, ctx, group) -> stub.rawBatchGet(Kvrpcpb.RawBatchGetRequest.newBuilder()
                        .setContext(ctx)
                        .addAllKeys(group)
                        .setCf(columnFamily)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                response -> {
                    for (Kvrpcpb.KvPair pair : response.getPairsList()) {
                        if (pair.hasError()) {
                            throw new KeyValueException("batchGet " + Keys.describe(pair.getKey()) + ": "
                                    + Failures.describe(pair.getError()));
                        }
                        found.put(pair.getKey(), pair.getValue());
                    }
                },
                READS_ON_DEADLINE);
        Map<ByteString, ByteString> ordered = new LinkedHashMap<>();
        for (ByteString key : keys) {
            ByteString value = found.get(key);
            if (value != null) {
                ordered.put(key, value);
            }
        }
        return ordered;
    }

    /** Sets {@code key} to {@code value}. Idempotent: repeating it leaves the same state. */
    public void put(ByteString key, ByteString value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        Kvrpcpb.RawPutResponse response = sendForKey(
                "put",
                key,
                (stub, ctx) -> stub.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                        .setContext(ctx)
                        .setKey(key)
                        .setValue(value)
                        .setCf(columnFamily)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                WRITES_ON_DEADLINE);
        checkError("put " + Keys.describe(key), response.getError());
    }

    /** Sets every key of {@code pairs} to its value; requests per region, not atomic across them. */
    public void batchPut(Map<ByteString, ByteString> pairs) {
        Objects.requireNonNull(pairs, "pairs");
        sendGrouped(
                "batchPut",
                new ArrayList<>(pairs.keySet()),
                (stub, ctx, group) -> {
                    Kvrpcpb.RawBatchPutRequest.Builder request = Kvrpcpb.RawBatchPutRequest.newBuilder()
                            .setContext(ctx)
                            .setCf(columnFamily);
                    for (ByteString key : group) {
                        request.addPairs(Kvrpcpb.KvPair.newBuilder().setKey(key).setValue(pairs.get(key)));
                    }
                    return stub.rawBatchPut(request.build());
                },
                r -> r.hasRegionError() ? r.getRegionError() : null,
                response -> checkError("batchPut", response.getError()),
                WRITES_ON_DEADLINE);
    }

    /**
     * Splits the region holding {@code key} so that a region starts at {@code key} (kvproto's
     * SplitRegion, sent to the region's leader, raw mode). Retried like every region request; a key
     * that already starts a region is refused by the store.
     *
     * @return the regions of the split, in key order
     */
    public List<io.tinykv.proto.Metapb.Region> splitRegion(ByteString key) {
        Objects.requireNonNull(key, "key");
        Kvrpcpb.SplitRegionResponse response = sendForKey(
                "splitRegion",
                key,
                (stub, ctx) -> stub.splitRegion(Kvrpcpb.SplitRegionRequest.newBuilder()
                        .setContext(ctx)
                        .addSplitKeys(key)
                        .setIsRawKv(true)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                OnDeadline.REPORT);
        if (response.getErrorsCount() > 0) {
            checkError("split at " + Keys.describe(key), response.getErrors(0).getAbort());
        }
        return response.getRegionsList();
    }

    /** Removes {@code key}; removing an absent key is not an error. Idempotent. */
    public void delete(ByteString key) {
        Objects.requireNonNull(key, "key");
        Kvrpcpb.RawDeleteResponse response = sendForKey(
                "delete",
                key,
                (stub, ctx) -> stub.rawDelete(Kvrpcpb.RawDeleteRequest.newBuilder()
                        .setContext(ctx)
                        .setKey(key)
                        .setCf(columnFamily)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                WRITES_ON_DEADLINE);
        checkError("delete " + Keys.describe(key), response.getError());
    }

    /** Removes every key of {@code keys}; requests per region, not atomic across them. Idempotent. */
    public void batchDelete(List<ByteString> keys) {
        sendGrouped(
                "batchDelete",
                keys,
                (stub, ctx, group) -> stub.rawBatchDelete(Kvrpcpb.RawBatchDeleteRequest.newBuilder()
                        .setContext(ctx)
                        .addAllKeys(group)
                        .setCf(columnFamily)
                        .build()),
                r -> r.hasRegionError() ? r.getRegionError() : null,
                response -> checkError("batchDelete", response.getError()),
                WRITES_ON_DEADLINE);
    }

    /**
     * Removes every key in {@code [startKey, endKey)}, region by region. {@code endKey} must be given
     * (non-empty) so that no call can wipe the key space by accident.
     */
    public void deleteRange(ByteString startKey, ByteString endKey) {
        Objects.requireNonNull(startKey, "startKey");
        Objects.requireNonNull(endKey, "endKey");
        if (endKey.isEmpty() || Keys.compare(startKey, endKey) >= 0) {
            throw new IllegalArgumentException("deleteRange needs startKey < endKey and a non-empty endKey, got ["
                    + Keys.describe(startKey) + ", " + Keys.describe(endKey) + ")");
        }
        Backoff backoff = newBackoff();
        ByteString cursor = startKey;
        while (true) {
            Optional<RegionInfo> found = cache().locate(cursor);
            if (found.isEmpty()) {
                sender().regionMissing("deleteRange", "key " + Keys.describe(cursor), backoff);
                continue;
            }
            RegionInfo region = found.get();
            ByteString from = cursor;
            ByteString to = Keys.minEnd(endKey, region.endKey());
            Optional<Kvrpcpb.RawDeleteRangeResponse> response = sender().attempt(
                            "deleteRange",
                            region,
                            (stub, ctx) -> stub.rawDeleteRange(Kvrpcpb.RawDeleteRangeRequest.newBuilder()
                                    .setContext(ctx)
                                    .setStartKey(from)
                                    .setEndKey(to)
                                    .setCf(columnFamily)
                                    .build()),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            backoff,
                            WRITES_ON_DEADLINE);
            if (response.isEmpty()) {
                continue;
            }
            checkError("deleteRange", response.get().getError());
            if (region.endKey().isEmpty() || !Keys.belowEnd(region.endKey(), endKey)) {
                return;
            }
            cursor = region.endKey();
        }
    }

    /**
     * Up to {@code limit} pairs with keys in {@code [startKey, endKey)}, in ascending key order, read
     * region by region (each region is a consistent read of its own, the whole scan is not a snapshot).
     *
     * @param endKey  exclusive; empty means to the end of the key space
     * @param keyOnly leave the values empty
     */
    public List<KeyValue> scan(ByteString startKey, ByteString endKey, int limit, boolean keyOnly) {
        Keys.checkScanArguments(startKey, endKey, limit);
        List<KeyValue> out = new ArrayList<>();
        Backoff backoff = newBackoff();
        ByteString cursor = startKey;
        while (out.size() < limit && Keys.belowEnd(cursor, endKey)) {
            Optional<RegionInfo> found = cache().locate(cursor);
            if (found.isEmpty()) {
                sender().regionMissing("scan", "key " + Keys.describe(cursor), backoff);
                continue;
            }
            RegionInfo region = found.get();
            ByteString from = cursor;
            ByteString to = Keys.minEnd(endKey, region.endKey());
            int page = Math.min(limit - out.size(), shared.config().scanPageSizeKeys());
            Optional<Kvrpcpb.RawScanResponse> response = sender().attempt(
                            "scan",
                            region,
                            (stub, ctx) -> stub.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                                    .setContext(ctx)
                                    .setStartKey(from)
                                    .setEndKey(to)
                                    .setLimit(page)
                                    .setKeyOnly(keyOnly)
                                    .setCf(columnFamily)
                                    .build()),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            backoff,
                            READS_ON_DEADLINE);
            if (response.isEmpty()) {
                continue;
            }
            List<Kvrpcpb.KvPair> pairs = response.get().getKvsList();
            ScanPages.check(pairs, page, from, to, false);
            pairs.forEach(pair -> out.add(new KeyValue(pair.getKey(), keyOnly ? ByteString.EMPTY : pair.getValue())));
            if (pairs.size() == page) {
                // The page is full: the region may hold more after the last key.
                cursor = Keys.next(pairs.get(pairs.size() - 1).getKey());
            } else if (region.endKey().isEmpty()) {
                break;
            } else {
                cursor = region.endKey();
            }
        }
        return out;
    }

    /**
     * Up to {@code limit} pairs with keys in {@code [startKey, endKey)}, in descending key order: the
     * same range as {@link #scan}, read from the top.
     *
     * @param endKey exclusive; empty means from the end of the key space
     */
    public List<KeyValue> reverseScan(ByteString startKey, ByteString endKey, int limit, boolean keyOnly) {
        Keys.checkScanArguments(startKey, endKey, limit);
        List<KeyValue> out = new ArrayList<>();
        Backoff backoff = newBackoff();
        ByteString upper = endKey;
        boolean more = endKey.isEmpty() || Keys.compare(startKey, endKey) < 0;
        while (out.size() < limit && more) {
            Optional<RegionInfo> found = cache().locateBefore(upper, startKey);
            if (found.isEmpty()) {
                sender().regionMissing("reverseScan", "the keys below " + Keys.describe(upper), backoff);
                continue;
            }
            RegionInfo region = found.get();
            ByteString from = Keys.minEnd(upper, region.endKey());
            ByteString to = Keys.maxStart(startKey, region.startKey());
            int page = Math.min(limit - out.size(), shared.config().scanPageSizeKeys());
            // As in TiKV, a reverse scan's start_key is the exclusive upper bound and end_key the inclusive
            // lower bound.
            Optional<Kvrpcpb.RawScanResponse> response = sender().attempt(
                            "reverseScan",
                            region,
                            (stub, ctx) -> stub.rawScan(Kvrpcpb.RawScanRequest.newBuilder()
                                    .setContext(ctx)
                                    .setStartKey(from)
                                    .setEndKey(to)
                                    .setLimit(page)
                                    .setKeyOnly(keyOnly)
                                    .setReverse(true)
                                    .setCf(columnFamily)
                                    .build()),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            backoff,
                            READS_ON_DEADLINE);
            if (response.isEmpty()) {
                continue;
            }
            List<Kvrpcpb.KvPair> pairs = response.get().getKvsList();
            ScanPages.check(pairs, page, to, from, true);
            pairs.forEach(pair -> out.add(new KeyValue(pair.getKey(), keyOnly ? ByteString.EMPTY : pair.getValue())));
            if (pairs.size() == page) {
                upper = pairs.get(pairs.size() - 1).getKey();
                more = Keys.compare(upper, startKey) > 0;
            } else {
                upper = region.startKey();
                more = !upper.isEmpty() && Keys.compare(upper, startKey) > 0;
            }
        }
        return out;
    }

    /**
     * Closes the connections (unless this is a {@link #withColumnFamily view}). Operations after that
     * fail with {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (ownsShared) {
            shared.pd().close();
            shared.channels().close();
        }
    }

    /** For tests: how many regions the route cache holds. */
    int cachedRegionCount() {
        return cache().size();
    }

    private RegionCache cache() {
        return shared.router().cache();
    }

    private RegionRequestSender sender() {
        return shared.router().sender();
    }

    private Backoff newBackoff() {
        return new Backoff(shared.clock(), shared.config().backoffBudgetMs());
    }

    private <R> R sendForKey(
            String op,
            ByteString key,
            RegionRequestSender.RegionCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            OnDeadline onDeadline) {
        return shared.router().sendForKey(op, key, call, regionErrorOf, newBackoff(), onDeadline);
    }

    /**
     * Sends {@code keys} region by region ({@link RegionRouter#sendGrouped}): a group whose region turned
     * out stale, or whose answer did not come in time when {@code onDeadline} allows a retry, is split
     * again along the refreshed routes and sent again, so every key is sent until it succeeds once.
     */
    private <R> void sendGrouped(
            String op,
            List<ByteString> keys,
            RegionRouter.GroupCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            Consumer<R> onResponse,
            OnDeadline onDeadline) {
        Objects.requireNonNull(keys, "keys");
        keys.forEach(key -> Objects.requireNonNull(key, "key"));
        shared.router()
                .sendGrouped(
                        op,
                        keys,
                        call,
                        regionErrorOf,
                        (group, response) -> {
                            onResponse.accept(response);
                            return List.of();
                        },
                        newBackoff(),
                        onDeadline);
    }

    private static void checkError(String what, String error) {
        if (!error.isEmpty()) {
            throw new KeyValueException(what + ": " + error);
        }
    }
}
