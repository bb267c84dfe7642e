package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.security.CallerIdentity;
import io.tinykv.security.StoreCallGuard;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code pdpb.PD} service of the scheduler, as the TiKV Java client and our stores use it.
 * Every answer carries the cluster id; a refused request answers with a {@code pdpb.Error} in the
 * header naming the problem (NOT_BOOTSTRAPPED, ALREADY_BOOTSTRAPPED, STORE_TOMBSTONE,
 * REGION_NOT_FOUND, UNKNOWN), never with a crash. Keys from clients are translated by the
 * cluster's {@link ClientKeyMode}.
 */
public final class SchedulerService extends PDGrpc.PDImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerService.class);
    /** The TiKV version our stores speak; clients gate features on it. */
    static final String CLUSTER_VERSION = "6.5.0";

    static final String STORE = "store";
    /** ScatterRegion's finished_percentage: every region asked for was accepted. */
    private static final int PERCENT = 100;

    private static final String UNKNOWN_RESULT = Pdpb.ErrorType.UNKNOWN.name().toLowerCase(Locale.ROOT);
    private static final String MISMATCH_RESULT = "cluster_id_mismatch";

    /**
     * The calls only stores make (their certificates only, under TLS: {@link StoreCallGuard}): they
     * register and address stores, report regions and splits, and hand out ids.
     */
    public static final Set<String> STORE_METHODS = Set.of(
            PDGrpc.getPutStoreMethod().getFullMethodName(),
            PDGrpc.getStoreHeartbeatMethod().getFullMethodName(),
            PDGrpc.getRegionHeartbeatMethod().getFullMethodName(),
            PDGrpc.getBootstrapMethod().getFullMethodName(),
            PDGrpc.getAskBatchSplitMethod().getFullMethodName(),
            PDGrpc.getReportBatchSplitMethod().getFullMethodName(),
            PDGrpc.getAllocIDMethod().getFullMethodName());

    private final ClusterMeta cluster;
    private final Coordinator coordinator;
    private final Tso tso;
    private final IdAllocator ids;
    private final Supplier<Pdpb.Member> member;
    private final ClientKeyMode keyMode;
    private final LongSupplier clockMillis;
    private final SchedulerMetrics metrics;
    private final GcSafePoints gcSafePoints;
    /** Null: store ids are not bound to certificates (no metadata to keep the bindings in). */
    private final StoreBindings bindings;

    private final SplitLimits splitLimits;
    /** The open region-heartbeat streams, by store: where the coordinator pushes operator steps. */
    private final HeartbeatStreams streams;

    public SchedulerService(
            ClusterMeta cluster,
            Coordinator coordinator,
            Tso tso,
            IdAllocator ids,
            Supplier<Pdpb.Member> member,
            ClientKeyMode keyMode,
            LongSupplier clockMillis,
            SchedulerMetrics metrics,
            GcSafePoints gcSafePoints) {
        this(
                cluster,
                coordinator,
                tso,
                ids,
                member,
                keyMode,
                clockMillis,
                metrics,
                gcSafePoints,
                null,
                SplitLimits.DEFAULTS,
                new HeartbeatStreams());
    }

    /**
     * @param streams where this service records each store's region-heartbeat stream; the same
     *     object is the {@code coordinator}'s {@link OperatorDispatch}, so that operator steps are
     *     pushed to leaders at once
     */
    SchedulerService(
            ClusterMeta cluster,
            Coordinator coordinator,
            Tso tso,
            IdAllocator ids,
            Supplier<Pdpb.Member> member,
            ClientKeyMode keyMode,
            LongSupplier clockMillis,
            SchedulerMetrics metrics,
            GcSafePoints gcSafePoints,
            StoreBindings bindings,
            SplitLimits splitLimits,
            HeartbeatStreams streams) {
        this.streams = streams;
        this.gcSafePoints = gcSafePoints;
        this.bindings = bindings;
        this.splitLimits = splitLimits;
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.tso = tso;
        this.ids = ids;
        this.member = member;
        this.keyMode = keyMode;
        this.clockMillis = clockMillis;
        this.metrics = metrics;
    }

    /** The one member of a single-scheduler "PD cluster", which is its leader. */
    public static Pdpb.Member member(long memberId, HostAndPort advertised) {
        String url = "http://" + advertised;
        return Pdpb.Member.newBuilder()
                .setName("tinykv-scheduler")
                .setMemberId(memberId)
                .addClientUrls(url)
                .addPeerUrls(url)
                .setBinaryVersion(CLUSTER_VERSION)
                .build();
    }

    @Override
    public void getMembers(Pdpb.GetMembersRequest request, StreamObserver<Pdpb.GetMembersResponse> out) {
        // Any cluster id is accepted here: this is how a client learns ours.
        Pdpb.Member self = member.get();
        if (self == null) {
            // Only between binding the port and learning it; the client retries.
            out.onError(
                    Status.UNAVAILABLE.withDescription("scheduler is starting").asRuntimeException());
            return;
        }
        metrics.request("GetMembers", SchedulerMetrics.OK);
        reply(
                out,
                Pdpb.GetMembersResponse.newBuilder()
                        .setHeader(header(null))
                        .addMembers(self)
                        .setLeader(self)
                        .setEtcdLeader(self)
                        .build());
    }

    @Override
    public StreamObserver<Pdpb.TsoRequest> tso(StreamObserver<Pdpb.TsoResponse> out) {
        return new StreamObserver<>() {
            /** After an error the response stream is closed; later requests are dropped. */
            private boolean failed;

            @Override
            public void onNext(Pdpb.TsoRequest request) {
                if (failed) {
                    return;
                }
                Status mismatch = checkClusterId(request.getHeader(), true);
                if (mismatch != null) {
                    metrics.request("Tso", MISMATCH_RESULT);
                    fail(mismatch);
                    return;
                }
                Tso.Timestamp ts;
                try {
                    ts = tso.next(Integer.toUnsignedLong(request.getCount()));
                } catch (IllegalArgumentException e) {
                    metrics.request("Tso", UNKNOWN_RESULT);
                    fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                    return;
                } catch (RuntimeException e) {
                    LOG.error("tso failed", e);
                    metrics.request("Tso", UNKNOWN_RESULT);
                    fail(Status.INTERNAL.withDescription("tso failed: " + e.getMessage()));
                    return;
                }
                metrics.request("Tso", SchedulerMetrics.OK);
                out.onNext(Pdpb.TsoResponse.newBuilder()
                        .setHeader(header(null))
                        .setCount(request.getCount())
                        .setTimestamp(Pdpb.Timestamp.newBuilder()
                                .setPhysical(ts.physicalMillis())
                                .setLogical(ts.logical()))
                        .build());
            }

            private void fail(Status status) {
                failed = true;
                out.onError(status.asRuntimeException());
            }

            @Override
            public void onError(Throwable t) {
                // The client went away; nothing is owed to it.
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    out.onCompleted();
                }
            }
        };
    }

    @Override
    public void bootstrap(Pdpb.BootstrapRequest request, StreamObserver<Pdpb.BootstrapResponse> out) {
        handleWrite(
                "Bootstrap",
                out,
                request.getHeader(),
                h -> {
                    bindOrCheck(request.getStore().getId());
                    cluster.bootstrap(request.getStore(), request.getRegion(), clockMillis.getAsLong());
                    return Pdpb.BootstrapResponse.newBuilder().setHeader(h).build();
                },
                h -> Pdpb.BootstrapResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void isBootstrapped(Pdpb.IsBootstrappedRequest request, StreamObserver<Pdpb.IsBootstrappedResponse> out) {
        handle(
                "IsBootstrapped",
                out,
                request.getHeader(),
                h -> Pdpb.IsBootstrappedResponse.newBuilder()
                        .setHeader(h)
                        .setBootstrapped(cluster.isBootstrapped())
                        .build(),
                h -> Pdpb.IsBootstrappedResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void allocID(Pdpb.AllocIDRequest request, StreamObserver<Pdpb.AllocIDResponse> out) {
        handleWrite(
                "AllocID",
                out,
                request.getHeader(),
                h -> Pdpb.AllocIDResponse.newBuilder()
                        .setHeader(h)
                        .setId(ids.next())
                        .build(),
                h -> Pdpb.AllocIDResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void putStore(Pdpb.PutStoreRequest request, StreamObserver<Pdpb.PutStoreResponse> out) {
        handleWrite(
                "PutStore",
                out,
                request.getHeader(),
                h -> {
                    bindOrCheck(request.getStore().getId());
                    cluster.putStore(request.getStore(), clockMillis.getAsLong());
                    return Pdpb.PutStoreResponse.newBuilder().setHeader(h).build();
                },
                h -> Pdpb.PutStoreResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void getStore(Pdpb.GetStoreRequest request, StreamObserver<Pdpb.GetStoreResponse> out) {
        handle(
                "GetStore",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    StoreInfo store = cluster.requireStore(request.getStoreId());
                    return Pdpb.GetStoreResponse.newBuilder()
                            .setHeader(h)
                            .setStore(withLastHeartbeat(store))
                            .setStats(store.stats())
                            .build();
                },
                h -> Pdpb.GetStoreResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void getAllStores(Pdpb.GetAllStoresRequest request, StreamObserver<Pdpb.GetAllStoresResponse> out) {
        handle(
                "GetAllStores",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    Pdpb.GetAllStoresResponse.Builder b =
                            Pdpb.GetAllStoresResponse.newBuilder().setHeader(h);
                    for (StoreInfo s : cluster.stores()) {
                        if (!request.getExcludeTombstoneStores()
                                || s.store().getState() != Metapb.StoreState.Tombstone) {
                            b.addStores(withLastHeartbeat(s));
                        }
                    }
                    return b.build();
                },
                h -> Pdpb.GetAllStoresResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void storeHeartbeat(Pdpb.StoreHeartbeatRequest request, StreamObserver<Pdpb.StoreHeartbeatResponse> out) {
        handleWrite(
                "StoreHeartbeat",
                out,
                request.getHeader(),
                h -> {
                    try {
                        checkBinding(request.getStats().getStoreId());
                        cluster.storeHeartbeat(request.getStats(), clockMillis.getAsLong());
                        metrics.heartbeat(STORE, "updated");
                    } catch (SchedulerException e) {
                        metrics.heartbeat(STORE, "refused");
                        throw e;
                    }
                    return Pdpb.StoreHeartbeatResponse.newBuilder()
                            .setHeader(h)
                            .setClusterVersion(CLUSTER_VERSION)
                            .build();
                },
                h -> Pdpb.StoreHeartbeatResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public StreamObserver<Pdpb.RegionHeartbeatRequest> regionHeartbeat(
            StreamObserver<Pdpb.RegionHeartbeatResponse> out) {
        // gRPC delivers one stream's messages one at a time; the coordinator also pushes operator
        // steps on it from other threads, so every write goes through the stream's lock.
        HeartbeatStreams.Stream stream = new HeartbeatStreams.Stream(out);
        return new StreamObserver<>() {
            /** After a cluster id mismatch the stream is closed; later requests are dropped. */
            private boolean failed;

            @Override
            public void onNext(Pdpb.RegionHeartbeatRequest request) {
                if (failed) {
                    return;
                }
                Status mismatch = checkClusterId(request.getHeader(), true);
                if (mismatch != null) {
                    failed = true;
                    streams.forget(stream);
                    metrics.request("RegionHeartbeat", MISMATCH_RESULT);
                    LOG.warn("region heartbeat stream closed: {}", mismatch.getDescription());
                    stream.error(mismatch.asRuntimeException());
                    return;
                }
                Pdpb.Error error = null;
                Optional<Pdpb.RegionHeartbeatResponse> response = Optional.empty();
                try {
                    checkBinding(request.getLeader().getStoreId());
                    // Before the heartbeat is handled: an operator it creates elsewhere may be pushed here.
                    streams.heardFrom(request.getLeader().getStoreId(), stream);
                    response = coordinator.regionHeartbeat(request, clockMillis.getAsLong());
                } catch (SchedulerException e) {
                    error = e.toError();
                } catch (RuntimeException e) {
                    LOG.error(
                            "region heartbeat for region {} failed",
                            request.getRegion().getId(),
                            e);
                    error = internal(e);
                }
                metrics.request("RegionHeartbeat", resultOf(error));
                if (error != null) {
                    metrics.heartbeat(Coordinator.REGION, "refused");
                    LOG.warn(
                            "region heartbeat for region {} refused: {}",
                            request.getRegion().getId(),
                            error.getMessage());
                    response = Optional.of(Pdpb.RegionHeartbeatResponse.newBuilder()
                            .setHeader(header(error))
                            .setRegionId(request.getRegion().getId())
                            .build());
                }
                response.ifPresent(stream::send);
            }

            @Override
            public void onError(Throwable t) {
                // The store went away; it reconnects with a new stream.
                streams.forget(stream);
                stream.ended();
            }

            @Override
            public void onCompleted() {
                streams.forget(stream);
                if (!failed) {
                    stream.complete();
                }
            }
        };
    }

    @Override
    public void getRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
        handle(
                "GetRegion",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    ByteString key = keyMode.fromClient(request.getRegionKey());
                    RegionInfo region = cluster.regionByKey(key)
                            .orElseThrow(() -> new SchedulerException(
                                    Pdpb.ErrorType.REGION_NOT_FOUND, "no region holds key " + Keys.hex(key)));
                    return regionResponse(h, region);
                },
                h -> Pdpb.GetRegionResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void getPrevRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
        handle(
                "GetPrevRegion",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    ByteString key = keyMode.fromClient(request.getRegionKey());
                    RegionInfo region = cluster.prevRegion(key)
                            .orElseThrow(() -> new SchedulerException(
                                    Pdpb.ErrorType.REGION_NOT_FOUND,
                                    "no region before the one holding key " + Keys.hex(key)));
                    return regionResponse(h, region);
                },
                h -> Pdpb.GetRegionResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void getRegionByID(Pdpb.GetRegionByIDRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
        handle(
                "GetRegionByID",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    RegionInfo region = cluster.regionById(request.getRegionId())
                            .orElseThrow(() -> new SchedulerException(
                                    Pdpb.ErrorType.REGION_NOT_FOUND, "region " + request.getRegionId() + " not found"));
                    return regionResponse(h, region);
                },
                h -> Pdpb.GetRegionResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void scanRegions(Pdpb.ScanRegionsRequest request, StreamObserver<Pdpb.ScanRegionsResponse> out) {
        handle(
                "ScanRegions",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    if (request.getLimit() < 0) {
                        throw SchedulerException.invalid(
                                "scan regions: limit must be >= 0 (got " + request.getLimit() + ")");
                    }
                    ByteString start = keyMode.fromClient(request.getStartKey());
                    ByteString end = keyMode.fromClient(request.getEndKey());
                    List<RegionInfo> found = cluster.scanRegions(start, end, request.getLimit());
                    Pdpb.ScanRegionsResponse.Builder b =
                            Pdpb.ScanRegionsResponse.newBuilder().setHeader(h);
                    for (RegionInfo r : found) {
                        Pdpb.Region pdRegion = r.toPdRegion(keyMode);
                        b.addRegions(pdRegion)
                                .addRegionMetas(pdRegion.getRegion())
                                .addLeaders(
                                        pdRegion.hasLeader() ? pdRegion.getLeader() : Metapb.Peer.getDefaultInstance());
                    }
                    return b.build();
                },
                h -> Pdpb.ScanRegionsResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void askBatchSplit(Pdpb.AskBatchSplitRequest request, StreamObserver<Pdpb.AskBatchSplitResponse> out) {
        handleWrite(
                "AskBatchSplit",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    splitLimits.check(
                            Integer.toUnsignedLong(request.getSplitCount()),
                            request.getRegion().getPeersCount());
                    // Each new region gets a fresh id and one fresh peer id per peer of the splitting region.
                    Pdpb.AskBatchSplitResponse.Builder b =
                            Pdpb.AskBatchSplitResponse.newBuilder().setHeader(h);
                    for (int i = 0; i < request.getSplitCount(); i++) {
                        Pdpb.SplitID.Builder split = Pdpb.SplitID.newBuilder().setNewRegionId(ids.next());
                        for (int p = 0; p < request.getRegion().getPeersCount(); p++) {
                            split.addNewPeerIds(ids.next());
                        }
                        b.addIds(split);
                    }
                    return b.build();
                },
                h -> Pdpb.AskBatchSplitResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void reportBatchSplit(
            Pdpb.ReportBatchSplitRequest request, StreamObserver<Pdpb.ReportBatchSplitResponse> out) {
        // The new regions' leaders heartbeat them, which updates the routing table; the report only
        // asks for the fresh regions to be scattered (within the region-schedule limit), so that a
        // hot range that split does not keep all its leaders on one store.
        handleWrite(
                "ReportBatchSplit",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    List<Long> ids = request.getRegionsList().stream()
                            .map(Metapb.Region::getId)
                            .toList();
                    LOG.info("split reported: regions {}", ids);
                    coordinator.scatterNewRegions(ids, clockMillis.getAsLong());
                    return Pdpb.ReportBatchSplitResponse.newBuilder()
                            .setHeader(h)
                            .build();
                },
                h -> Pdpb.ReportBatchSplitResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void scatterRegion(Pdpb.ScatterRegionRequest request, StreamObserver<Pdpb.ScatterRegionResponse> out) {
        handleWrite(
                "ScatterRegion",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    List<Long> regionIds = request.getRegionsIdCount() > 0
                            ? request.getRegionsIdList()
                            : List.of(request.getRegionId());
                    if (regionIds.contains(0L)) {
                        throw SchedulerException.invalid("scatter region: region id 0");
                    }
                    // A region not heard of yet (fresh from a split) is scattered on its first heartbeat.
                    long now = clockMillis.getAsLong();
                    for (long id : regionIds) {
                        coordinator.scatterRegion(id, now);
                    }
                    return Pdpb.ScatterRegionResponse.newBuilder()
                            .setHeader(h)
                            .setFinishedPercentage(PERCENT)
                            .build();
                },
                h -> Pdpb.ScatterRegionResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void getOperator(Pdpb.GetOperatorRequest request, StreamObserver<Pdpb.GetOperatorResponse> out) {
        handle(
                "GetOperator",
                out,
                request.getHeader(),
                h -> {
                    requireBootstrapped();
                    long regionId = request.getRegionId();
                    OperatorController.Report report = coordinator
                            .operatorReport(regionId)
                            .orElseThrow(() -> new SchedulerException(
                                    cluster.regionById(regionId).isPresent()
                                            ? Pdpb.ErrorType.UNKNOWN
                                            : Pdpb.ErrorType.REGION_NOT_FOUND,
                                    "no operator for region " + regionId));
                    return Pdpb.GetOperatorResponse.newBuilder()
                            .setHeader(h)
                            .setRegionId(regionId)
                            .setDesc(ByteString.copyFromUtf8(report.operator().desc()))
                            .setKind(ByteString.copyFromUtf8(report.operator().kind()))
                            .setStatus(report.status())
                            .build();
                },
                h -> Pdpb.GetOperatorResponse.newBuilder()
                        .setHeader(h)
                        .setRegionId(request.getRegionId())
                        .build());
    }

    @Override
    public void getGCSafePoint(Pdpb.GetGCSafePointRequest request, StreamObserver<Pdpb.GetGCSafePointResponse> out) {
        handle(
                "GetGCSafePoint",
                out,
                request.getHeader(),
                h -> Pdpb.GetGCSafePointResponse.newBuilder()
                        .setHeader(h)
                        .setSafePoint(gcSafePoints.safePoint())
                        .build(),
                h -> Pdpb.GetGCSafePointResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void updateGCSafePoint(
            Pdpb.UpdateGCSafePointRequest request, StreamObserver<Pdpb.UpdateGCSafePointResponse> out) {
        handle(
                "UpdateGCSafePoint",
                out,
                request.getHeader(),
                h -> {
                    long now = gcSafePoints.update(request.getSafePoint(), clockMillis.getAsLong());
                    return Pdpb.UpdateGCSafePointResponse.newBuilder()
                            .setHeader(h)
                            .setNewSafePoint(now)
                            .build();
                },
                h -> Pdpb.UpdateGCSafePointResponse.newBuilder().setHeader(h).build());
    }

    @Override
    public void updateServiceGCSafePoint(
            Pdpb.UpdateServiceGCSafePointRequest request, StreamObserver<Pdpb.UpdateServiceGCSafePointResponse> out) {
        handle(
                "UpdateServiceGCSafePoint",
                out,
                request.getHeader(),
                h -> {
                    if (request.getServiceId().isEmpty()) {
                        throw SchedulerException.invalid("update service GC safe point: empty service_id");
                    }
                    GcSafePoints.ServiceAnswer answer = gcSafePoints.updateService(
                            request.getServiceId().toStringUtf8(),
                            request.getTTL(),
                            request.getSafePoint(),
                            clockMillis.getAsLong());
                    return Pdpb.UpdateServiceGCSafePointResponse.newBuilder()
                            .setHeader(h)
                            .setServiceId(ByteString.copyFromUtf8(answer.serviceId()))
                            .setTTL(answer.ttlSeconds())
                            .setMinSafePoint(answer.minSafePoint())
                            .build();
                },
                h -> Pdpb.UpdateServiceGCSafePointResponse.newBuilder()
                        .setHeader(h)
                        .build());
    }

    private Pdpb.GetRegionResponse regionResponse(Pdpb.ResponseHeader h, RegionInfo region) {
        Pdpb.GetRegionResponse.Builder b = Pdpb.GetRegionResponse.newBuilder()
                .setHeader(h)
                .setRegion(keyMode.toClient(region.region()))
                .addAllDownPeers(region.downPeers())
                .addAllPendingPeers(region.pendingPeers());
        region.leaderPeer().ifPresent(b::setLeader);
        return b.build();
    }

    /** PD reports a store's last heartbeat in Unix nanoseconds; so do we. */
    private Metapb.Store withLastHeartbeat(StoreInfo store) {
        return store.store().toBuilder()
                .setLastHeartbeat(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(store.lastHeartbeatMillis()))
                .build();
    }

    private void requireBootstrapped() {
        if (!cluster.isBootstrapped()) {
            throw SchedulerException.notBootstrapped(cluster.clusterId());
        }
    }

    /** A unary call that reads: a header naming another cluster is refused, one naming none (0) is not. */
    private <T> void handle(
            String rpc,
            StreamObserver<T> out,
            Pdpb.RequestHeader requestHeader,
            Function<Pdpb.ResponseHeader, T> body,
            Function<Pdpb.ResponseHeader, T> onError) {
        handle(rpc, false, out, requestHeader, body, onError);
    }

    /** A unary call that changes the cluster (or hands out ids): its header must name this cluster. */
    private <T> void handleWrite(
            String rpc,
            StreamObserver<T> out,
            Pdpb.RequestHeader requestHeader,
            Function<Pdpb.ResponseHeader, T> body,
            Function<Pdpb.ResponseHeader, T> onError) {
        handle(rpc, true, out, requestHeader, body, onError);
    }

    /**
     * A unary call: checks the cluster id (a mismatch fails the call with FAILED_PRECONDITION, as PD
     * does), runs {@code body}, answers errors in the header.
     */
    private <T> void handle(
            String rpc,
            boolean write,
            StreamObserver<T> out,
            Pdpb.RequestHeader requestHeader,
            Function<Pdpb.ResponseHeader, T> body,
            Function<Pdpb.ResponseHeader, T> onError) {
        Status mismatch = checkClusterId(requestHeader, write);
        if (mismatch != null) {
            metrics.request(rpc, MISMATCH_RESULT);
            LOG.warn("{} refused: {}", rpc, mismatch.getDescription());
            out.onError(mismatch.asRuntimeException());
            return;
        }
        Pdpb.Error error = null;
        T response = null;
        try {
            response = body.apply(header(null));
        } catch (SchedulerException e) {
            error = e.toError();
        } catch (IllegalArgumentException e) {
            // Bad input from the caller (e.g. a key that is not memcomparable-encoded in TXN mode).
            error = Pdpb.Error.newBuilder()
                    .setType(Pdpb.ErrorType.UNKNOWN)
                    .setMessage(e.getMessage())
                    .build();
        } catch (RuntimeException e) {
            LOG.error("{} failed", rpc, e);
            error = internal(e);
        }
        metrics.request(rpc, resultOf(error));
        if (error != null) {
            LOG.debug("{} refused: {}", rpc, error.getMessage());
            response = onError.apply(header(error));
        }
        reply(out, response);
    }

    private static Pdpb.Error internal(RuntimeException e) {
        return Pdpb.Error.newBuilder()
                .setType(Pdpb.ErrorType.UNKNOWN)
                .setMessage("internal scheduler error: " + e)
                .build();
    }

    private static String resultOf(Pdpb.Error error) {
        return error == null ? SchedulerMetrics.OK : error.getType().name().toLowerCase(Locale.ROOT);
    }

    /**
     * A request naming another cluster is refused as PD refuses it: gRPC status FAILED_PRECONDITION,
     * "mismatch cluster id, need X but got Y". Cluster id 0 ("not known yet") may read, but not write:
     * whatever changes the cluster must say which cluster it means.
     */
    private Status checkClusterId(Pdpb.RequestHeader header, boolean write) {
        long requested = header.getClusterId();
        if (requested == cluster.clusterId() || (requested == 0 && !write)) {
            return null;
        }
        return Status.FAILED_PRECONDITION.withDescription(
                "mismatch cluster id, need " + cluster.clusterId() + " but got " + requested);
    }

    /** A registering call for {@code storeId} under TLS binds it to the caller's certificate, or must match. */
    private void bindOrCheck(long storeId) {
        if (bindings != null) {
            bindings.bindOrCheck(storeId, CallerIdentity.current());
        }
    }

    /** A call speaking for {@code storeId} under TLS must come from the certificate it is bound to. */
    private void checkBinding(long storeId) {
        if (bindings != null) {
            bindings.check(storeId, CallerIdentity.current());
        }
    }

    private Pdpb.ResponseHeader header(Pdpb.Error error) {
        Pdpb.ResponseHeader.Builder b = Pdpb.ResponseHeader.newBuilder().setClusterId(cluster.clusterId());
        if (error != null) {
            b.setError(error);
        }
        return b.build();
    }

    private static <T> void reply(StreamObserver<T> out, T response) {
        out.onNext(response);
        out.onCompleted();
    }
}
