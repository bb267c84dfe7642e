package io.tinykv.client.pd;

import io.tinykv.client.BackoffKind;
import io.tinykv.client.BackoffSchedule;
import io.tinykv.client.Clock;
import io.tinykv.client.PdException;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.security.ChannelFactory;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store process's calls to PD (the scheduler, {@code pdpb.PD}), over the same {@link PdConnection}
 * and {@link PdClient} as the client library's, which find and follow the scheduler leader, set the
 * deadlines and retry with the one backoff policy ({@link BackoffKind#PD_UNREACHABLE}'s waits, capped
 * at the store's configured maximum): the calls a store makes at start-up (ids, bootstrap, its own
 * registration), which wait for the scheduler as long as it takes; the lookups it makes at run time
 * (store addresses, GC safe points), which try once; and the calls that must never block the Raft
 * thread (split ids, split reports, a timestamp), plus the stub for the heartbeat streams.
 *
 * <p>Thread-safe.
 */
public final class StorePdClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StorePdClient.class);
    /** Run-time lookups try once: their callers keep what they knew and ask again later. */
    private static final long TRY_ONCE = 0;

    private final PdConnection connection;
    /** The client library's calls, waiting for the scheduler: for start-up. */
    private final PdClient waiting;
    /** The client library's calls, one attempt each: for run time. */
    private final PdClient once;
    /** Makes the TSO round trips of {@link #timestampAsync}, so that its callers never wait on PD. */
    private final ExecutorService tsoThread;

    private StorePdClient(PdConnection connection) {
        this.connection = connection;
        this.waiting = PdClient.over(connection, PdConnection.UNBOUNDED_BUDGET_MS);
        this.once = PdClient.over(connection, TRY_ONCE);
        this.tsoThread = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().daemon().name("store-pd-tso").factory());
    }

    /**
     * Waits until a scheduler answers {@code GetMembers}, and learns the leader and the cluster id
     * from it.
     *
     * @param maxBackoffMillis the longest wait between two attempts; the first is
     *     {@link BackoffKind#PD_UNREACHABLE}'s, as for every PD caller
     * @throws PdException when interrupted while waiting
     */
    public static StorePdClient connect(
            List<String> endpoints,
            ChannelFactory channelFactory,
            long timeoutMillis,
            long maxBackoffMillis,
            Clock clock) {
        long firstBackoffMillis = BackoffKind.PD_UNREACHABLE.schedule.firstSleepMs();
        BackoffSchedule schedule =
                new BackoffSchedule(firstBackoffMillis, Math.max(firstBackoffMillis, maxBackoffMillis));
        PdConnection connection = PdConnection.connect(
                new PdConnection.Settings(endpoints, timeoutMillis, schedule),
                channelFactory,
                clock,
                PdConnection.UNBOUNDED_BUDGET_MS);
        LOG.info("connected to the scheduler at {}: cluster id {}", connection.leaderAddress(), connection.clusterId());
        return new StorePdClient(connection);
    }

    public long clusterId() {
        return connection.clusterId();
    }

    /** The address of the scheduler leader, which calls go to now. */
    public String endpoint() {
        return connection.leaderAddress();
    }

    /** The waits between attempts to reach the scheduler. */
    public BackoffSchedule retrySchedule() {
        return connection.retrySchedule();
    }

    /** Names this store in the headers of later requests. */
    public void setSenderId(long storeId) {
        connection.setSenderId(storeId);
    }

    public Pdpb.RequestHeader header() {
        return connection.header();
    }

    public long allocId() {
        return connection
                .call(
                        "AllocID",
                        stub -> stub.allocID(Pdpb.AllocIDRequest.newBuilder()
                                .setHeader(header())
                                .build()),
                        Pdpb.AllocIDResponse::getHeader,
                        PdConnection.UNBOUNDED_BUDGET_MS)
                .getId();
    }

    public boolean isBootstrapped() {
        return connection
                .call(
                        "IsBootstrapped",
                        stub -> stub.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(header())
                                .build()),
                        Pdpb.IsBootstrappedResponse::getHeader,
                        PdConnection.UNBOUNDED_BUDGET_MS)
                .getBootstrapped();
    }

    /**
     * Asks the scheduler to record the cluster's first store and region.
     *
     * @return false when the cluster was bootstrapped already (by another store, or by an earlier
     *     attempt of this one whose answer was lost)
     */
    public boolean bootstrap(Metapb.Store store, Metapb.Region region) {
        try {
            connection.call(
                    "Bootstrap",
                    stub -> stub.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                            .setHeader(header())
                            .setStore(store)
                            .setRegion(region)
                            .build()),
                    Pdpb.BootstrapResponse::getHeader,
                    PdConnection.UNBOUNDED_BUDGET_MS);
            return true;
        } catch (PdException e) {
            if (e.errorType() == Pdpb.ErrorType.ALREADY_BOOTSTRAPPED) {
                return false;
            }
            throw e;
        }
    }

    public void putStore(Metapb.Store store) {
        connection.call(
                "PutStore",
                stub -> stub.putStore(Pdpb.PutStoreRequest.newBuilder()
                        .setHeader(header())
                        .setStore(store)
                        .build()),
                Pdpb.PutStoreResponse::getHeader,
                PdConnection.UNBOUNDED_BUDGET_MS);
    }

    /** The region with this id as the scheduler knows it, waiting for the scheduler if need be. */
    public Optional<Metapb.Region> regionById(long regionId) {
        return waiting.getRegionById(regionId).map(RegionInfo::region).filter(r -> r.getId() == regionId);
    }

    /**
     * One attempt to read a store's record (for address resolution; never waits beyond the deadline).
     *
     * @throws PdException when the scheduler does not answer, or answers with an error
     */
    public Metapb.Store getStoreOnce(long storeId) {
        return once.getStore(storeId);
    }

    /** One attempt: the cluster's MVCC GC safe point (GetGCSafePoint). */
    public long gcSafePointOnce() {
        return once.getGcSafePoint();
    }

    /**
     * One attempt at UpdateServiceGCSafePoint ({@code ttlSeconds <= 0} removes the hold).
     *
     * @return whether the hold is in place (false: {@code safePoint} lies below the GC safe point)
     */
    public boolean holdGcSafePointOnce(String serviceId, long ttlSeconds, long safePoint) {
        long minSafePoint = once.updateServiceGcSafePoint(serviceId, ttlSeconds, safePoint);
        return ttlSeconds <= 0 || Long.compareUnsigned(minSafePoint, safePoint) <= 0;
    }

    /**
     * One attempt to list the cluster's stores, tombstones included (to tell a store's address from
     * any other; never waits beyond the deadline).
     *
     * @throws PdException when the scheduler does not answer, or answers with an error
     */
    public List<Metapb.Store> allStoresOnce() {
        return once.getAllStores(false);
    }

    /**
     * Asks for the ids of a split without waiting ({@code AskBatchSplit}); {@code answer} gets the
     * response, or null when the call failed or the scheduler refused, on a gRPC thread.
     */
    public void askBatchSplitAsync(Metapb.Region region, int splitCount, Consumer<Pdpb.AskBatchSplitResponse> answer) {
        Pdpb.AskBatchSplitRequest request = Pdpb.AskBatchSplitRequest.newBuilder()
                .setHeader(header())
                .setRegion(region)
                .setSplitCount(splitCount)
                .build();
        connection.callAsync(
                "AskBatchSplit",
                (stub, out) -> stub.askBatchSplit(request, out),
                Pdpb.AskBatchSplitResponse::getHeader,
                answer,
                failure -> {
                    LOG.warn("AskBatchSplit for region {}: {}", region.getId(), failure.getMessage());
                    answer.accept(null);
                });
    }

    /**
     * One timestamp from the scheduler's TSO without blocking the caller (the store asks from threads
     * that must not wait on the network): joins {@link PdClient}'s batch of waiting callers, and the
     * round trip runs on this client's own TSO thread. One attempt: fails on an error, a refusal or
     * the scheduler timeout.
     */
    public CompletableFuture<Long> timestampAsync() {
        return once.timestampAsync(tsoThread);
    }

    /** Reports a split without waiting ({@code ReportBatchSplit}); a failure is logged only. */
    public void reportBatchSplitAsync(List<Metapb.Region> regions) {
        Pdpb.ReportBatchSplitRequest request = Pdpb.ReportBatchSplitRequest.newBuilder()
                .setHeader(header())
                .addAllRegions(regions)
                .build();
        connection.callAsync(
                "ReportBatchSplit",
                (stub, out) -> stub.reportBatchSplit(request, out),
                Pdpb.ReportBatchSplitResponse::getHeader,
                response -> {},
                failure -> LOG.debug("{}", failure.getMessage()));
    }

    /** An asynchronous stub on the scheduler leader, for streams and fire-and-forget calls. */
    public PDGrpc.PDStub asyncStub() {
        return connection.asyncStub();
    }

    /**
     * A call or stream to the scheduler at {@code endpoint} failed: finds the leader again (blocking
     * for at most a deadline per known member), unless that happened already.
     */
    public void endpointFailed(String endpoint) {
        connection.leaderFailed(endpoint);
    }

    @Override
    public void close() {
        tsoThread.shutdownNow();
        once.close();
        waiting.close();
        connection.close();
    }
}
