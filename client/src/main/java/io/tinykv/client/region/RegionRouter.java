package io.tinykv.client.region;

import com.google.protobuf.ByteString;
import io.tinykv.client.Backoff;
import io.tinykv.client.Keys;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Routes requests by key: finds the region of a key (or splits a set of keys by region, then into
 * requests of at most {@code batchSizeKeys} keys) and sends through the {@link RegionRequestSender},
 * sending again whatever came back with a retryable region error. Keys are routed as the client names
 * them; the region cache holds boundaries in the same form ({@link RegionKeyCodec}).
 *
 * <p>Thread-safe; all per-operation state is in the caller's {@link Backoff}.
 */
public final class RegionRouter {
    /** One request for a group of keys that all lie in one region. */
    @FunctionalInterface
    public interface GroupCall<R> {
        R call(TikvGrpc.TikvBlockingStub stub, Kvrpcpb.Context context, List<ByteString> keys);
    }

    /** What to do with one group's response: returns the keys to send again (empty when done). */
    @FunctionalInterface
    public interface GroupHandler<R> {
        List<ByteString> handle(List<ByteString> keys, R response);
    }

    private final RegionCache cache;
    private final RegionRequestSender sender;
    private final int batchSizeKeys;

    public RegionRouter(RegionCache cache, RegionRequestSender sender, int batchSizeKeys) {
        this.cache = cache;
        this.sender = sender;
        this.batchSizeKeys = batchSizeKeys;
    }

    public RegionCache cache() {
        return cache;
    }

    public RegionRequestSender sender() {
        return sender;
    }

    /** Sends {@code call} to the region of {@code key} until it gets an answer without a region error. */
    public <R> R sendForKey(
            String op,
            ByteString key,
            RegionRequestSender.RegionCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            Backoff backoff) {
        return sendForKey(op, key, call, regionErrorOf, backoff, OnDeadline.REPORT);
    }

    /** As {@link #sendForKey(String, ByteString, RegionRequestSender.RegionCall, Function, Backoff)}, retrying timeouts as told. */
    public <R> R sendForKey(
            String op,
            ByteString key,
            RegionRequestSender.RegionCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            Backoff backoff,
            OnDeadline onDeadline) {
        while (true) {
            Optional<RegionInfo> region = cache.locate(key);
            if (region.isEmpty()) {
                sender.regionMissing(op, "key " + Keys.describe(key), backoff);
                continue;
            }
            Optional<R> response = sender.attempt(op, region.get(), call, regionErrorOf, backoff, onDeadline);
            if (response.isPresent()) {
                return response.get();
            }
        }
    }

    /**
     * Sends {@code keys} region by region. A group whose region turned out stale, or that the handler
     * hands back, goes into the queue again and is split along the current routes, so every key is
     * sent until its group is handled without asking for more.
     */
    public <R> void sendGrouped(
            String op,
            Collection<ByteString> keys,
            GroupCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            GroupHandler<R> handler,
            Backoff backoff) {
        sendGrouped(op, keys, call, regionErrorOf, handler, backoff, OnDeadline.REPORT);
    }

    /**
     * As {@link #sendGrouped(String, Collection, GroupCall, Function, GroupHandler, Backoff)}; with
     * {@link OnDeadline#RETRY} a group whose request timed out is sent again like one that met a stale
     * route.
     */
    public <R> void sendGrouped(
            String op,
            Collection<ByteString> keys,
            GroupCall<R> call,
            Function<R, Errorpb.Error> regionErrorOf,
            GroupHandler<R> handler,
            Backoff backoff,
            OnDeadline onDeadline) {
        Objects.requireNonNull(keys, "keys");
        Deque<List<ByteString>> pending = new ArrayDeque<>();
        if (!keys.isEmpty()) {
            pending.add(List.copyOf(keys));
        }
        while (!pending.isEmpty()) {
            for (Map.Entry<RegionInfo, List<ByteString>> group :
                    groupByRegion(op, pending.poll(), backoff).entrySet()) {
                for (List<ByteString> chunk : chunks(group.getValue())) {
                    Optional<R> response = sender.attempt(
                            op,
                            group.getKey(),
                            (stub, ctx) -> call.call(stub, ctx, chunk),
                            regionErrorOf,
                            backoff,
                            onDeadline);
                    if (response.isEmpty()) {
                        pending.add(chunk);
                        continue;
                    }
                    List<ByteString> again = handler.handle(chunk, response.get());
                    if (!again.isEmpty()) {
                        pending.add(List.copyOf(again));
                    }
                }
            }
        }
    }

    /** Splits {@code keys} by the region holding them, keeping their order within each region. */
    Map<RegionInfo, List<ByteString>> groupByRegion(String op, List<ByteString> keys, Backoff backoff) {
        Map<RegionInfo, List<ByteString>> groups = new LinkedHashMap<>();
        for (ByteString key : keys) {
            Optional<RegionInfo> region = cache.locate(key);
            while (region.isEmpty()) {
                sender.regionMissing(op, "key " + Keys.describe(key), backoff);
                region = cache.locate(key);
            }
            groups.computeIfAbsent(region.get(), r -> new ArrayList<>()).add(key);
        }
        return groups;
    }

    /** Cuts one region's keys into requests of at most {@code batchSizeKeys} keys. */
    private List<List<ByteString>> chunks(List<ByteString> keys) {
        List<List<ByteString>> out = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += batchSizeKeys) {
            out.add(List.copyOf(keys.subList(from, Math.min(keys.size(), from + batchSizeKeys))));
        }
        return out;
    }
}
