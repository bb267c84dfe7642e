package io.tinykv.server.pd;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.IdAllocator;
import io.tinykv.scheduler.Tso;
import io.tinykv.server.region.RegionRanges;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code pdpb.PD} service of a standalone process: it answers for the one store and the one
 * region of {@link SingleStoreCluster}, hands out timestamps and ids, and refuses what a
 * single-store cluster cannot do (bootstrapping again, other stores, splits) with a header error.
 */
public final class EmbeddedPdService extends PDGrpc.PDImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPdService.class);

    private final SingleStoreCluster cluster;
    private final Tso tso;
    private final IdAllocator ids;

    public EmbeddedPdService(SingleStoreCluster cluster, Tso tso, IdAllocator ids) {
        this.cluster = cluster;
        this.tso = tso;
        this.ids = ids;
    }

    @Override
    public void getMembers(Pdpb.GetMembersRequest request, StreamObserver<Pdpb.GetMembersResponse> out) {
        // Any cluster id is accepted here: this is how a client learns ours.
        reply(out, Pdpb.GetMembersResponse.newBuilder()
                .setHeader(okHeader())
                .addMembers(cluster.member())
                .setLeader(cluster.member())
                .setEtcdLeader(cluster.member())
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
                Pdpb.Error error = checkClusterId(request.getHeader());
                if (error != null) {
                    fail(Status.FAILED_PRECONDITION.withDescription(error.getMessage()));
                    return;
                }
                Tso.Timestamp ts;
                try {
                    ts = tso.next(request.getCount());
                } catch (IllegalArgumentException e) {
                    fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
                    return;
                }
                out.onNext(Pdpb.TsoResponse.newBuilder()
                        .setHeader(okHeader())
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
        reply(out, Pdpb.BootstrapResponse.newBuilder()
                .setHeader(errorHeader(Pdpb.ErrorType.ALREADY_BOOTSTRAPPED,
                        "cluster " + cluster.clusterId() + " is already bootstrapped (standalone mode)"))
                .build());
    }

    @Override
    public void isBootstrapped(Pdpb.IsBootstrappedRequest request,
            StreamObserver<Pdpb.IsBootstrappedResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        reply(out, Pdpb.IsBootstrappedResponse.newBuilder()
                .setHeader(header(error))
                .setBootstrapped(error == null)
                .build());
    }

    @Override
    public void allocID(Pdpb.AllocIDRequest request, StreamObserver<Pdpb.AllocIDResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        Pdpb.AllocIDResponse.Builder resp = Pdpb.AllocIDResponse.newBuilder().setHeader(header(error));
        if (error == null) {
            resp.setId(ids.next());
        }
        reply(out, resp.build());
    }

    @Override
    public void getStore(Pdpb.GetStoreRequest request, StreamObserver<Pdpb.GetStoreResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        if (error == null && request.getStoreId() != cluster.store().getId()) {
            error = unknownStore(request.getStoreId());
        }
        Pdpb.GetStoreResponse.Builder resp = Pdpb.GetStoreResponse.newBuilder().setHeader(header(error));
        if (error == null) {
            resp.setStore(cluster.store())
                    .setStats(Pdpb.StoreStats.newBuilder().setStoreId(cluster.store().getId()).setRegionCount(1));
        }
        reply(out, resp.build());
    }

    @Override
    public void putStore(Pdpb.PutStoreRequest request, StreamObserver<Pdpb.PutStoreResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        Metapb.Store store = request.getStore();
        if (error == null && (store.getId() != cluster.store().getId()
                || !store.getAddress().equals(cluster.store().getAddress()))) {
            error = error(Pdpb.ErrorType.UNKNOWN, "a standalone cluster has exactly one store (id "
                    + cluster.store().getId() + " at " + cluster.store().getAddress() + "); cannot put store "
                    + store.getId() + " at '" + store.getAddress() + "'");
        }
        reply(out, Pdpb.PutStoreResponse.newBuilder().setHeader(header(error)).build());
    }

    @Override
    public void getAllStores(Pdpb.GetAllStoresRequest request, StreamObserver<Pdpb.GetAllStoresResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        Pdpb.GetAllStoresResponse.Builder resp = Pdpb.GetAllStoresResponse.newBuilder().setHeader(header(error));
        if (error == null) {
            resp.addStores(cluster.store());
        }
        reply(out, resp.build());
    }

    @Override
    public void storeHeartbeat(Pdpb.StoreHeartbeatRequest request, StreamObserver<Pdpb.StoreHeartbeatResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        long storeId = request.getStats().getStoreId();
        if (error == null && storeId != cluster.store().getId()) {
            error = unknownStore(storeId);
        }
        reply(out, Pdpb.StoreHeartbeatResponse.newBuilder()
                .setHeader(header(error))
                .setClusterVersion(cluster.store().getVersion())
                .build());
    }

    @Override
    public StreamObserver<Pdpb.RegionHeartbeatRequest> regionHeartbeat(
            StreamObserver<Pdpb.RegionHeartbeatResponse> out) {
        // The one region never changes and never needs an operator, so heartbeats are only noted.
        return new StreamObserver<>() {
            @Override
            public void onNext(Pdpb.RegionHeartbeatRequest request) {
                if (request.getRegion().getId() != cluster.region().getId()) {
                    LOG.warn("region heartbeat for unknown region {} ignored (standalone has only region {})",
                            request.getRegion().getId(), cluster.region().getId());
                }
            }

            @Override
            public void onError(Throwable t) {
                // The store went away; nothing is owed to it.
            }

            @Override
            public void onCompleted() {
                out.onCompleted();
            }
        };
    }

    @Override
    public void getRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        Pdpb.GetRegionResponse.Builder resp = Pdpb.GetRegionResponse.newBuilder().setHeader(header(error));
        if (error == null && RegionRanges.contains(cluster.region(), request.getRegionKey())) {
            resp.setRegion(cluster.region()).setLeader(cluster.leader());
        }
        reply(out, resp.build());
    }

    @Override
    public void getPrevRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
        // The region before the one holding the key: with one region over all keys there is none,
        // unless the key lies past the region's end.
        Pdpb.Error error = checkClusterId(request.getHeader());
        Pdpb.GetRegionResponse.Builder resp = Pdpb.GetRegionResponse.newBuilder().setHeader(header(error));
        ByteString end = cluster.region().getEndKey();
        if (error == null && !end.isEmpty()
                && ByteString.unsignedLexicographicalComparator().compare(request.getRegionKey(), end) >= 0) {
            resp.setRegion(cluster.region()).setLeader(cluster.leader());
        }
        reply(out, resp.build());
    }

    @Override
    public void getRegionByID(Pdpb.GetRegionByIDRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        Pdpb.GetRegionResponse.Builder resp = Pdpb.GetRegionResponse.newBuilder().setHeader(header(error));
        if (error == null && request.getRegionId() == cluster.region().getId()) {
            resp.setRegion(cluster.region()).setLeader(cluster.leader());
        }
        reply(out, resp.build());
    }

    @Override
    public void scanRegions(Pdpb.ScanRegionsRequest request, StreamObserver<Pdpb.ScanRegionsResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        Pdpb.ScanRegionsResponse.Builder resp = Pdpb.ScanRegionsResponse.newBuilder().setHeader(header(error));
        if (error == null && request.getLimit() >= 0
                && RegionRanges.overlaps(cluster.region(), request.getStartKey(), request.getEndKey())) {
            resp.addRegions(Pdpb.Region.newBuilder().setRegion(cluster.region()).setLeader(cluster.leader()))
                    .addRegionMetas(cluster.region())
                    .addLeaders(cluster.leader());
        }
        reply(out, resp.build());
    }

    @Override
    public void askBatchSplit(Pdpb.AskBatchSplitRequest request, StreamObserver<Pdpb.AskBatchSplitResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        reply(out, Pdpb.AskBatchSplitResponse.newBuilder()
                .setHeader(header(error != null ? error : noSplits()))
                .build());
    }

    @Override
    public void reportBatchSplit(Pdpb.ReportBatchSplitRequest request,
            StreamObserver<Pdpb.ReportBatchSplitResponse> out) {
        Pdpb.Error error = checkClusterId(request.getHeader());
        reply(out, Pdpb.ReportBatchSplitResponse.newBuilder()
                .setHeader(header(error != null ? error : noSplits()))
                .build());
    }

    private Pdpb.Error noSplits() {
        return error(Pdpb.ErrorType.UNKNOWN,
                "standalone mode keeps a single region (id " + cluster.region().getId() + "); it does not split");
    }

    private Pdpb.Error unknownStore(long storeId) {
        return error(Pdpb.ErrorType.UNKNOWN, "invalid store ID " + storeId
                + ", not found (standalone has only store " + cluster.store().getId() + ")");
    }

    /** A request naming another cluster is refused (cluster id 0 means "not known yet"). */
    private Pdpb.Error checkClusterId(Pdpb.RequestHeader header) {
        long requested = header.getClusterId();
        if (requested != 0 && requested != cluster.clusterId()) {
            return error(Pdpb.ErrorType.UNKNOWN,
                    "mismatch cluster id, need " + cluster.clusterId() + " but got " + requested);
        }
        return null;
    }

    private Pdpb.ResponseHeader okHeader() {
        return Pdpb.ResponseHeader.newBuilder().setClusterId(cluster.clusterId()).build();
    }

    private Pdpb.ResponseHeader header(Pdpb.Error error) {
        return error == null ? okHeader() : okHeader().toBuilder().setError(error).build();
    }

    private Pdpb.ResponseHeader errorHeader(Pdpb.ErrorType type, String message) {
        return header(error(type, message));
    }

    private static Pdpb.Error error(Pdpb.ErrorType type, String message) {
        return Pdpb.Error.newBuilder().setType(type).setMessage(message).build();
    }

    private static <T> void reply(StreamObserver<T> out, T response) {
        out.onNext(response);
        out.onCompleted();
    }
}
