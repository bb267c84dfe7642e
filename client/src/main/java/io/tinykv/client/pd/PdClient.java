package io.tinykv.client.pd;

import com.google.protobuf.ByteString;
import io.grpc.StatusRuntimeException;
import io.tinykv.client.BackoffKind;
import io.tinykv.client.ChannelPool;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.PdException;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.region.RegionKeyCodec;
import io.tinykv.client.region.RegionStatus;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.security.ChannelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client library's calls to PD (the scheduler): regions, stores, GC safe points and timestamps,
 * over a {@link PdConnection} that finds and follows the PD leader. Every call has the configured
 * deadline; a call that fails because PD is unreachable or its leader moved is retried against the
 * (re-discovered) leader until the backoff budget is spent.
 *
 * <p>Thread-safe. Timestamps come over one {@code Tso} stream, one request at a time, shared by the
 * callers waiting at that moment.
 */
public final class PdClient implements AutoCloseable {
    /** A timestamp is {@code physical << 18 | logical}, the layout PD and TiKV use. */
    public static final int LOGICAL_BITS = 18;

    private static final long MAX_LOGICAL = 1L << LOGICAL_BITS;

    private final PdConnection connection;
    private final boolean ownsConnection;
    /** How long one call may spend backing off between retries. */
    private final long backoffBudgetMs;
    /** How keys asked about and boundaries answered relate to this client's keys. */
    private final RegionKeyCodec keyCodec;

    private final Object tsoLock = new Object();
    /** Callers waiting for a timestamp; whoever takes tsoLock serves them all. */
    private final Queue<CompletableFuture<Long>> tsoWaiters = new ConcurrentLinkedQueue<>();

    private TsoStream tsoStream; // guarded by tsoLock
    private long lastTimestamp; // guarded by tsoLock

    /**
     * Connects to the PD cluster: asks the configured addresses in turn for the members until one
     * answers. Fails at once (no retries) when none does, so that a wrong address is reported quickly.
     *
     * @throws PdException "cannot reach PD at ADDRESS: REASON" when no configured PD answers
     */
    public static PdClient connect(ClientConfig config, ChannelFactory channelFactory, Clock clock) {
        PdConnection connection = PdConnection.connect(settings(config), channelFactory, clock, 0);
        return new PdClient(connection, true, config.backoffBudgetMs(), RegionKeyCodec.RAW);
    }

    /** {@link #connect(ClientConfig, ChannelFactory, Clock)} with plain-text channels and the real clock. */
    public static PdClient connect(ClientConfig config) {
        return connect(config, ChannelFactory.plaintext(), Clock.system());
    }

    /**
     * These calls over a connection someone else owns (and closes), each retried for at most
     * {@code backoffBudgetMs}: 0 tries once, {@link PdConnection#UNBOUNDED_BUDGET_MS} waits for PD.
     */
    public static PdClient over(PdConnection connection, long backoffBudgetMs) {
        return new PdClient(connection, false, backoffBudgetMs, RegionKeyCodec.RAW);
    }

    /**
     * A view of this client for a cluster of transactional data (TXN key mode): keys asked about are
     * user keys, sent to PD memcomparable-encoded, and region boundaries come back decoded into user
     * keys, as {@link TxnKvClient} routes. Shares this client's connection: closing the view does nothing.
     */
    public PdClient withTxnKeys() {
        return new PdClient(connection, false, backoffBudgetMs, RegionKeyCodec.TXN);
    }

    /** Connects over channels the caller shares with its calls to the stores (and closes). */
    public static PdClient connect(ClientConfig config, ChannelPool channels, Clock clock, RegionKeyCodec keyCodec) {
        PdConnection connection = PdConnection.connect(settings(config), channels, false, clock, 0);
        return new PdClient(connection, true, config.backoffBudgetMs(), keyCodec);
    }

    private static PdConnection.Settings settings(ClientConfig config) {
        return new PdConnection.Settings(
                config.pdAddresses(), config.pdTimeoutMs(), BackoffKind.PD_UNREACHABLE.schedule);
    }

    private PdClient(PdConnection connection, boolean ownsConnection, long backoffBudgetMs, RegionKeyCodec keyCodec) {
        if (backoffBudgetMs < 0) {
            throw new IllegalArgumentException("backoffBudgetMs must be >= 0, got " + backoffBudgetMs);
        }
        this.connection = connection;
        this.ownsConnection = ownsConnection;
        this.backoffBudgetMs = backoffBudgetMs;
        this.keyCodec = keyCodec;
    }

    /** The address ({@code host:port}) of the PD this client currently sends requests to. */
    public String leaderAddress() {
        return connection.leaderAddress();
    }

    /** The cluster id PD reported. */
    public long clusterId() {
        return connection.clusterId();
    }

    /** A region a store reported (in an {@code epoch_not_match}), with boundaries as this client routes. */
    public Metapb.Region fromStore(Metapb.Region region) {
        return keyCodec.fromCluster(region);
    }

    /** The region containing {@code key}, or empty when PD knows none (e.g. not bootstrapped yet). */
    public Optional<RegionInfo> getRegion(ByteString key) {
        return regionOf(() -> call(
                "GetRegion",
                stub -> stub.getRegion(Pdpb.GetRegionRequest.newBuilder()
                        .setHeader(header())
                        .setRegionKey(keyCodec.toPd(key))
                        .build()),
                Pdpb.GetRegionResponse::getHeader));
    }

    /** The region with this id, or empty when PD knows none. */
    public Optional<RegionInfo> getRegionById(long regionId) {
        return regionOf(() -> call(
                "GetRegionByID",
                stub -> stub.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder()
                        .setHeader(header())
                        .setRegionId(regionId)
                        .build()),
                Pdpb.GetRegionResponse::getHeader));
    }

    /**
     * The regions overlapping {@code [startKey, endKey)} in key order.
     *
     * @param endKey exclusive; empty means to the end of the key space
     * @param limit  at most this many regions; 0 means no limit
     */
    public List<RegionInfo> scanRegions(ByteString startKey, ByteString endKey, int limit) {
        return scanRegionStatuses(startKey, endKey, limit).stream()
                .map(RegionStatus::info)
                .toList();
    }

    /**
     * Like {@link #scanRegions} with what PD knows of each region's health (down and pending peers).
     *
     * @param endKey exclusive; empty means to the end of the key space
     * @param limit  at most this many regions; 0 means no limit
     */
    public List<RegionStatus> scanRegionStatuses(ByteString startKey, ByteString endKey, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0, got " + limit);
        }
        Pdpb.ScanRegionsResponse response = call(
                "ScanRegions",
                stub -> stub.scanRegions(Pdpb.ScanRegionsRequest.newBuilder()
                        .setHeader(header())
                        .setStartKey(keyCodec.toPd(startKey))
                        .setEndKey(keyCodec.toPd(endKey))
                        .setLimit(limit)
                        .build()),
                Pdpb.ScanRegionsResponse::getHeader);
        List<RegionStatus> regions = new ArrayList<>();
        if (response.getRegionsCount() > 0) {
            for (Pdpb.Region region : response.getRegionsList()) {
                regions.add(new RegionStatus(
                        new RegionInfo(keyCodec.fromCluster(region.getRegion()), region.getLeader()),
                        region.getDownPeersList(),
                        region.getPendingPeersList()));
            }
        } else {
            // Older servers fill only the parallel lists; a missing leader entry means "unknown".
            for (int i = 0; i < response.getRegionMetasCount(); i++) {
                Metapb.Peer leaderPeer =
                        i < response.getLeadersCount() ? response.getLeaders(i) : Metapb.Peer.getDefaultInstance();
                regions.add(new RegionStatus(
                        new RegionInfo(keyCodec.fromCluster(response.getRegionMetas(i)), leaderPeer),
                        List.of(),
                        List.of()));
            }
        }
        return regions;
    }

    /** The store with this id. */
    public Metapb.Store getStore(long storeId) {
        return call(
                        "GetStore",
                        stub -> stub.getStore(Pdpb.GetStoreRequest.newBuilder()
                                .setHeader(header())
                                .setStoreId(storeId)
                                .build()),
                        Pdpb.GetStoreResponse::getHeader)
                .getStore();
    }

    /**
     * Holds PD's GC safe point at or below {@code safePoint} for {@code ttlSeconds} under
     * {@code serviceId} ({@code ttlSeconds <= 0} removes the hold).
     *
     * @return the smallest live service safe point afterwards; above {@code safePoint} when the hold
     *     was refused because the GC safe point is past it already
     */
    public long updateServiceGcSafePoint(String serviceId, long ttlSeconds, long safePoint) {
        return call(
                        "UpdateServiceGCSafePoint",
                        stub -> stub.updateServiceGCSafePoint(Pdpb.UpdateServiceGCSafePointRequest.newBuilder()
                                .setHeader(header())
                                .setServiceId(ByteString.copyFromUtf8(serviceId))
                                .setTTL(ttlSeconds)
                                .setSafePoint(safePoint)
                                .build()),
                        Pdpb.UpdateServiceGCSafePointResponse::getHeader)
                .getMinSafePoint();
    }

    /** PD's GC safe point: reads below it are refused. */
    public long getGcSafePoint() {
        return call(
                        "GetGCSafePoint",
                        stub -> stub.getGCSafePoint(Pdpb.GetGCSafePointRequest.newBuilder()
                                .setHeader(header())
                                .build()),
                        Pdpb.GetGCSafePointResponse::getHeader)
                .getSafePoint();
    }

    /** Every store PD knows, optionally without the removed (tombstone) ones. */
    public List<Metapb.Store> getAllStores(boolean excludeTombstones) {
        return call(
                        "GetAllStores",
                        stub -> stub.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                                .setHeader(header())
                                .setExcludeTombstoneStores(excludeTombstones)
                                .build()),
                        Pdpb.GetAllStoresResponse::getHeader)
                .getStoresList();
    }

    /**
     * A fresh timestamp, {@code physical << 18 | logical}. Each one this client hands out is larger than
     * the one before (checked: a PD going backwards is reported, not passed on).
     *
     * <p>Callers that ask at the same time share one round trip: whoever holds the stream asks PD for as
     * many consecutive timestamps as there are waiting callers and hands them out in arrival order.
     */
    public long getTimestamp() {
        CompletableFuture<Long> mine = new CompletableFuture<>();
        tsoWaiters.add(mine);
        serveTimestampWaiters(mine);
        try {
            return mine.join();
        } catch (CompletionException e) {
            // Re-thrown per caller, so that each stack trace shows its own caller.
            if (e.getCause() instanceof PdException pd) {
                throw new PdException(pd.getMessage(), pd);
            }
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * A fresh timestamp as {@link #getTimestamp}, without blocking the caller: it joins the callers
     * waiting at that moment, and {@code executor} makes the round trip if no one else does first.
     * The future fails as {@link #getTimestamp} throws, or when {@code executor} refuses the work.
     */
    public CompletableFuture<Long> timestampAsync(Executor executor) {
        CompletableFuture<Long> mine = new CompletableFuture<>();
        tsoWaiters.add(mine);
        try {
            executor.execute(() -> serveTimestampWaiters(mine));
        } catch (RejectedExecutionException e) {
            tsoWaiters.remove(mine);
            mine.completeExceptionally(new PdException("no thread to ask PD for a timestamp (closed?)", e));
        }
        return mine;
    }

    /**
     * Unless another caller served {@code mine} already: takes the stream and asks PD once for every
     * caller waiting now ({@code mine} among them), handing the timestamps out in arrival order.
     */
    private void serveTimestampWaiters(CompletableFuture<Long> mine) {
        synchronized (tsoLock) {
            if (mine.isDone()) {
                return;
            }
            List<CompletableFuture<Long>> batch = new ArrayList<>();
            for (CompletableFuture<Long> waiter; (waiter = tsoWaiters.poll()) != null; ) {
                batch.add(waiter);
            }
            try {
                long last = fetchTimestamps(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).complete(last - (batch.size() - 1 - i));
                }
            } catch (RuntimeException e) {
                batch.forEach(waiter -> waiter.completeExceptionally(e));
            }
        }
    }

    /** For tests: how many callers are queued for a timestamp. */
    int timestampWaiters() {
        return tsoWaiters.size();
    }

    /** Asks PD for {@code count} consecutive timestamps; returns the largest. Called under tsoLock. */
    private long fetchTimestamps(int count) {
        PdConnection.Retries retries = connection.retries(backoffBudgetMs);
        Pdpb.TsoRequest request = Pdpb.TsoRequest.newBuilder().setCount(count).build();
        while (true) {
            String address = connection.leaderAddress();
            try {
                if (tsoStream == null || !tsoStream.address().equals(address)) {
                    closeTsoStream();
                    tsoStream = new TsoStream(address, PDGrpc.newStub(connection.channel(address)));
                }
                Pdpb.TsoResponse response = tsoStream.request(
                        request.toBuilder().setHeader(connection.header()).build(), connection.timeoutMs());
                connection.checkHeader("Tso", address, response.getHeader());
                return acceptTimestamps(response.getTimestamp(), count, address);
            } catch (StatusRuntimeException e) {
                closeTsoStream();
                connection.retryOrThrow("Tso", address, e, retries);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeTsoStream();
                throw new PdException("interrupted while waiting for a timestamp from PD at " + address);
            }
        }
    }

    @Override
    public void close() {
        synchronized (tsoLock) {
            closeTsoStream();
        }
        if (ownsConnection) {
            connection.close();
        }
    }

    /**
     * Checks the largest of {@code count} consecutive timestamps: well formed, and its whole range after
     * everything handed out before. Called under tsoLock.
     */
    private long acceptTimestamps(Pdpb.Timestamp timestamp, int count, String from) {
        if (timestamp.getPhysical() < 0
                || timestamp.getLogical() < count - 1
                || timestamp.getLogical() >= MAX_LOGICAL) {
            throw new PdException("PD at " + from + " sent a malformed timestamp for count " + count + ": "
                    + timestamp.toString().strip().replace('\n', ' '));
        }
        long last = timestamp.getPhysical() << LOGICAL_BITS | timestamp.getLogical();
        long first = last - (count - 1);
        if (first <= lastTimestamp) {
            throw new PdException(
                    "PD at " + from + " sent timestamp " + first + ", not after the previous one " + lastTimestamp);
        }
        lastTimestamp = last;
        return last;
    }

    private void closeTsoStream() {
        if (tsoStream != null) {
            tsoStream.close();
            tsoStream = null;
        }
    }

    /** The region of an answer; empty when PD knows none (REGION_NOT_FOUND is an answer here). */
    private Optional<RegionInfo> regionOf(Supplier<Pdpb.GetRegionResponse> call) {
        Pdpb.GetRegionResponse response;
        try {
            response = call.get();
        } catch (PdException e) {
            if (e.errorType() == Pdpb.ErrorType.REGION_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
        if (!response.hasRegion() || response.getRegion().getId() == 0) {
            return Optional.empty();
        }
        return Optional.of(new RegionInfo(keyCodec.fromCluster(response.getRegion()), response.getLeader()));
    }

    private <T> T call(
            String method, Function<PDGrpc.PDBlockingStub, T> rpc, Function<T, Pdpb.ResponseHeader> headerOf) {
        return connection.call(method, rpc, headerOf, backoffBudgetMs);
    }

    private Pdpb.RequestHeader header() {
        return connection.header();
    }
}
