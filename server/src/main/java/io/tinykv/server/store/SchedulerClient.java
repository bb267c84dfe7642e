package io.tinykv.server.store;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.raftstore.transport.grpc.ChannelFactory;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's connection to the scheduler ({@code pdpb.PD}): the calls it makes at start-up
 * (cluster id, ids, bootstrap, its own registration) and at run time (store addresses), plus stubs
 * for the heartbeat streams. Start-up calls wait for the scheduler as long as it takes, trying the
 * endpoints in turn with a growing pause and saying in the log what they wait for; run-time calls
 * try once within the deadline.
 *
 * <p>Thread-safe.
 */
public final class SchedulerClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerClient.class);
    private static final long INITIAL_BACKOFF_MILLIS = 50;
    /** While waiting for the scheduler, the warning repeats this often (every few seconds). */
    private static final long WAIT_WARNING_REPEAT_NANOS = 5_000_000_000L;

    /** How a failed attempt is waited out; production: {@code Thread::sleep}. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** The scheduler answered with an error in its response header. */
    public static final class SchedulerException extends RuntimeException {
        private final Pdpb.ErrorType type;

        SchedulerException(String call, Pdpb.Error error) {
            super("scheduler refused " + call + ": " + error.getType() + " " + error.getMessage());
            this.type = error.getType();
        }

        public Pdpb.ErrorType type() {
            return type;
        }
    }

    /** The client was closed while a call waited for the scheduler. */
    public static final class ClosedException extends RuntimeException {
        ClosedException(String call) {
            super("stopped waiting for the scheduler (" + call + "): the store is shutting down");
        }
    }

    private final List<String> endpoints;
    private final ChannelFactory channelFactory;
    private final long timeoutMillis;
    private final long maxBackoffMillis;
    private final Sleeper sleeper;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private volatile int current;
    private volatile long clusterId;
    private volatile long senderId;
    private volatile boolean closed;

    private SchedulerClient(List<String> endpoints, ChannelFactory channelFactory, long timeoutMillis,
            long maxBackoffMillis, Sleeper sleeper) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no scheduler endpoints given");
        }
        this.endpoints = List.copyOf(endpoints);
        this.channelFactory = channelFactory;
        this.timeoutMillis = timeoutMillis;
        this.maxBackoffMillis = Math.max(INITIAL_BACKOFF_MILLIS, maxBackoffMillis);
        this.sleeper = sleeper;
    }

    /**
     * Waits until a scheduler answers {@code GetMembers} and learns the cluster id from it.
     *
     * @throws ClosedException when interrupted while waiting
     */
    public static SchedulerClient connect(List<String> endpoints, ChannelFactory channelFactory, long timeoutMillis,
            long maxBackoffMillis, Sleeper sleeper) {
        SchedulerClient client = new SchedulerClient(endpoints, channelFactory, timeoutMillis, maxBackoffMillis,
                sleeper);
        try {
            Pdpb.GetMembersResponse members = client.callWaiting("GetMembers",
                    stub -> stub.getMembers(Pdpb.GetMembersRequest.getDefaultInstance()),
                    Pdpb.GetMembersResponse::getHeader, false);
            client.clusterId = members.getHeader().getClusterId();
            LOG.info("connected to the scheduler at {}: cluster id {}", client.endpoint(), client.clusterId);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    public long clusterId() {
        return clusterId;
    }

    /** The address currently used. */
    public String endpoint() {
        return endpoints.get(current);
    }

    /** Names this store in the headers of later requests. */
    public void setSenderId(long storeId) {
        this.senderId = storeId;
    }

    public Pdpb.RequestHeader header() {
        return Pdpb.RequestHeader.newBuilder().setClusterId(clusterId).setSenderId(senderId).build();
    }

    public long allocId() {
        return callWaiting("AllocID", stub -> stub.allocID(Pdpb.AllocIDRequest.newBuilder()
                .setHeader(header()).build()), Pdpb.AllocIDResponse::getHeader, true).getId();
    }

    public boolean isBootstrapped() {
        return callWaiting("IsBootstrapped", stub -> stub.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                .setHeader(header()).build()), Pdpb.IsBootstrappedResponse::getHeader, true).getBootstrapped();
    }

    /**
     * Asks the scheduler to record the cluster's first store and region.
     *
     * @return false when the cluster was bootstrapped already (by another store, or by an earlier
     *     attempt of this one whose answer was lost)
     */
    public boolean bootstrap(Metapb.Store store, Metapb.Region region) {
        try {
            callWaiting("Bootstrap", stub -> stub.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                    .setHeader(header()).setStore(store).setRegion(region).build()),
                    Pdpb.BootstrapResponse::getHeader, true);
            return true;
        } catch (SchedulerException e) {
            if (e.type() == Pdpb.ErrorType.ALREADY_BOOTSTRAPPED) {
                return false;
            }
            throw e;
        }
    }

    public void putStore(Metapb.Store store) {
        callWaiting("PutStore", stub -> stub.putStore(Pdpb.PutStoreRequest.newBuilder()
                .setHeader(header()).setStore(store).build()), Pdpb.PutStoreResponse::getHeader, true);
    }

    /** The region with this id as the scheduler knows it, waiting for the scheduler if need be. */
    public Optional<Metapb.Region> regionById(long regionId) {
        try {
            Pdpb.GetRegionResponse response = callWaiting("GetRegionByID",
                    stub -> stub.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder()
                            .setHeader(header()).setRegionId(regionId).build()),
                    Pdpb.GetRegionResponse::getHeader, true);
            return response.hasRegion() && response.getRegion().getId() == regionId
                    ? Optional.of(response.getRegion())
                    : Optional.empty();
        } catch (SchedulerException e) {
            if (e.type() == Pdpb.ErrorType.REGION_NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * One attempt to read a store's record (for address resolution; never waits beyond the deadline).
     *
     * @throws StatusRuntimeException when the scheduler does not answer
     * @throws SchedulerException when it answers with an error
     */
    public Metapb.Store getStoreOnce(long storeId) {
        return callOnce("GetStore", stub -> stub.getStore(Pdpb.GetStoreRequest.newBuilder()
                .setHeader(header()).setStoreId(storeId).build()), Pdpb.GetStoreResponse::getHeader).getStore();
    }

    /** One attempt: the cluster's MVCC GC safe point (GetGCSafePoint). */
    public long gcSafePointOnce() {
        return callOnce("GetGCSafePoint", stub -> stub.getGCSafePoint(Pdpb.GetGCSafePointRequest.newBuilder()
                .setHeader(header()).build()), Pdpb.GetGCSafePointResponse::getHeader).getSafePoint();
    }

    /**
     * One attempt at UpdateServiceGCSafePoint ({@code ttlSeconds <= 0} removes the hold).
     *
     * @return whether the hold is in place (false: {@code safePoint} lies below the GC safe point)
     */
    public boolean holdGcSafePointOnce(String serviceId, long ttlSeconds, long safePoint) {
        Pdpb.UpdateServiceGCSafePointResponse response = callOnce("UpdateServiceGCSafePoint",
                stub -> stub.updateServiceGCSafePoint(Pdpb.UpdateServiceGCSafePointRequest.newBuilder()
                        .setHeader(header()).setServiceId(com.google.protobuf.ByteString.copyFromUtf8(serviceId))
                        .setTTL(ttlSeconds).setSafePoint(safePoint).build()),
                Pdpb.UpdateServiceGCSafePointResponse::getHeader);
        return ttlSeconds <= 0 || Long.compareUnsigned(response.getMinSafePoint(), safePoint) <= 0;
    }

    /**
     * One attempt to list the cluster's stores, tombstones included (to tell a store's address from
     * any other; never waits beyond the deadline).
     *
     * @throws StatusRuntimeException when the scheduler does not answer
     * @throws SchedulerException when it answers with an error
     */
    public List<Metapb.Store> allStoresOnce() {
        return callOnce("GetAllStores", stub -> stub.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                .setHeader(header()).build()), Pdpb.GetAllStoresResponse::getHeader).getStoresList();
    }

    /**
     * Asks for the ids of a split without waiting ({@code AskBatchSplit}); {@code answer} gets the
     * response, or null when the call failed or the scheduler refused, on a gRPC thread.
     */
    public void askBatchSplitAsync(Metapb.Region region, int splitCount,
            java.util.function.Consumer<Pdpb.AskBatchSplitResponse> answer) {
        Pdpb.AskBatchSplitRequest request = Pdpb.AskBatchSplitRequest.newBuilder().setHeader(header())
                .setRegion(region).setSplitCount(splitCount).build();
        asyncStub().withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).askBatchSplit(request,
                new io.grpc.stub.StreamObserver<>() {
                    private boolean answered;

                    @Override
                    public void onNext(Pdpb.AskBatchSplitResponse response) {
                        answered = true;
                        boolean error = response.getHeader().hasError()
                                && response.getHeader().getError().getType() != Pdpb.ErrorType.OK;
                        if (error) {
                            LOG.warn("the scheduler refused AskBatchSplit for region {}: {}", region.getId(),
                                    response.getHeader().getError().getMessage());
                        }
                        answer.accept(error ? null : response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        LOG.warn("AskBatchSplit for region {} failed: {}", region.getId(), t.getMessage());
                        if (!answered) {
                            answered = true;
                            answer.accept(null);
                        }
                    }

                    @Override
                    public void onCompleted() {
                        if (!answered) {
                            answered = true;
                            answer.accept(null);
                        }
                    }
                });
    }

    /**
     * One timestamp from the scheduler's TSO, without waiting: a stream opened for one request and
     * closed after its answer. Fails on an error, a refusal or the scheduler timeout.
     */
    public java.util.concurrent.CompletableFuture<Long> timestampAsync() {
        java.util.concurrent.CompletableFuture<Long> result = new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.StreamObserver<Pdpb.TsoRequest> requests = asyncStub()
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .tso(new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(Pdpb.TsoResponse response) {
                        Pdpb.ResponseHeader header = response.getHeader();
                        if (header.hasError() && header.getError().getType() != Pdpb.ErrorType.OK) {
                            result.completeExceptionally(new SchedulerException("Tso", header.getError()));
                            return;
                        }
                        Pdpb.Timestamp ts = response.getTimestamp();
                        result.complete(io.tinykv.txn.mvcc.Timestamps.compose(ts.getPhysical(), ts.getLogical()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        result.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        result.completeExceptionally(new IllegalStateException("TSO stream ended without a timestamp"));
                    }
                });
        requests.onNext(Pdpb.TsoRequest.newBuilder().setHeader(header()).setCount(1).build());
        // Half-close at once: the scheduler answers the one request, then ends the stream.
        requests.onCompleted();
        return result;
    }

    /** Reports a split without waiting ({@code ReportBatchSplit}); a failure is logged only. */
    public void reportBatchSplitAsync(List<Metapb.Region> regions) {
        Pdpb.ReportBatchSplitRequest request = Pdpb.ReportBatchSplitRequest.newBuilder().setHeader(header())
                .addAllRegions(regions).build();
        asyncStub().withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS).reportBatchSplit(request,
                new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(Pdpb.ReportBatchSplitResponse response) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        LOG.debug("ReportBatchSplit failed: {}", t.getMessage());
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
    }

    /** An asynchronous stub on the current endpoint, for streams and fire-and-forget calls. */
    public PDGrpc.PDStub asyncStub() {
        return PDGrpc.newStub(channel(endpoint()));
    }

    /** Moves to the next endpoint (after a stream to the current one failed). */
    public void rotate() {
        if (endpoints.size() > 1) {
            current = (current + 1) % endpoints.size();
        }
    }

    private <R> R callOnce(String name, Function<PDGrpc.PDBlockingStub, R> rpc,
            Function<R, Pdpb.ResponseHeader> header) {
        PDGrpc.PDBlockingStub stub = PDGrpc.newBlockingStub(channel(endpoint()))
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
        R response = rpc.apply(stub);
        check(name, header.apply(response), true);
        return response;
    }

    /** Calls until the scheduler answers (an answer with an error included), pausing between attempts. */
    private <R> R callWaiting(String name, Function<PDGrpc.PDBlockingStub, R> rpc,
            Function<R, Pdpb.ResponseHeader> header, boolean checkClusterId) {
        long backoffMillis = INITIAL_BACKOFF_MILLIS;
        int attempts = 0;
        long lastWaitWarningNanos = 0;
        while (true) {
            if (closed) {
                throw new ClosedException(name);
            }
            String endpoint = endpoint();
            try {
                PDGrpc.PDBlockingStub stub = PDGrpc.newBlockingStub(channel(endpoint))
                        .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS);
                R response = rpc.apply(stub);
                check(name, header.apply(response), checkClusterId);
                if (attempts > 0) {
                    LOG.info("the scheduler at {} answered {} after {} failed attempts", endpoint, name, attempts);
                }
                return response;
            } catch (StatusRuntimeException e) {
                if (!retryable(e.getStatus())) {
                    throw e;
                }
                attempts++;
                // Says plainly what the store waits for, and again every few seconds while it waits.
                long nowNanos = System.nanoTime();
                if (attempts == 1 || nowNanos - lastWaitWarningNanos >= WAIT_WARNING_REPEAT_NANOS) {
                    lastWaitWarningNanos = nowNanos;
                    LOG.warn("waiting for the scheduler at {} ({}: {}{}); attempt {}, next in {} ms", endpoint, name,
                            e.getStatus().getCode(), e.getStatus().getCause() == null ? ""
                                    : " " + e.getStatus().getCause().getMessage(), attempts, backoffMillis);
                }
                rotate();
                try {
                    sleeper.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new ClosedException(name);
                }
                backoffMillis = Math.min(maxBackoffMillis, backoffMillis * 2);
            }
        }
    }

    private void check(String name, Pdpb.ResponseHeader header, boolean checkClusterId) {
        if (header.hasError() && header.getError().getType() != Pdpb.ErrorType.OK) {
            throw new SchedulerException(name, header.getError());
        }
        if (checkClusterId && header.getClusterId() != clusterId) {
            throw new IllegalStateException("the scheduler at " + endpoint() + " now reports cluster id "
                    + header.getClusterId() + ", not " + clusterId + " as before: it is another cluster");
        }
    }

    private static boolean retryable(Status status) {
        return switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, UNIMPLEMENTED, CANCELLED, RESOURCE_EXHAUSTED -> true;
            default -> false;
        };
    }

    private ManagedChannel channel(String endpoint) {
        if (closed) {
            throw new ClosedException("channel to " + endpoint);
        }
        return channels.computeIfAbsent(endpoint, channelFactory::open);
    }

    @Override
    public void close() {
        closed = true;
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
    }
}
