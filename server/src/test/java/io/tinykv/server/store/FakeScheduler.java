package io.tinykv.server.store;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A scheduler that only keeps books, for testing the store's side of the protocol alone: ids,
 * bootstrap (once), store records, the one region and its heartbeats. No operators, no replicas.
 */
final class FakeScheduler implements AutoCloseable {

    final long clusterId;
    final AtomicLong nextId = new AtomicLong(1_000);
    final Map<Long, Metapb.Store> stores = new ConcurrentHashMap<>();
    final List<Pdpb.RegionHeartbeatRequest> regionHeartbeats = new CopyOnWriteArrayList<>();
    final List<Pdpb.StoreHeartbeatRequest> storeHeartbeats = new CopyOnWriteArrayList<>();
    final List<Pdpb.BootstrapRequest> bootstraps = new CopyOnWriteArrayList<>();
    /** The error every store heartbeat is answered with when set (e.g. STORE_TOMBSTONE). */
    volatile Pdpb.Error storeHeartbeatError;
    /** Sent back on every region heartbeat when set (an operator). */
    volatile Pdpb.RegionHeartbeatResponse replyToHeartbeats;

    final List<StreamObserver<Pdpb.RegionHeartbeatResponse>> heartbeatStreams = new CopyOnWriteArrayList<>();
    private volatile Metapb.Region region;
    /** Answers IsBootstrapped with false even when bootstrapped: another store is racing this one. */
    volatile boolean hideBootstrap;

    private volatile Metapb.Peer leader = Metapb.Peer.getDefaultInstance();
    private final Server server;

    FakeScheduler(long clusterId) {
        this(clusterId, 0);
    }

    FakeScheduler(long clusterId, int port) {
        this.clusterId = clusterId;
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))
                    .addService(new Service())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    Metapb.Region region() {
        return region;
    }

    /** Marks the cluster bootstrapped with a region of someone else, as if another store won the race. */
    void bootstrapElsewhere(Metapb.Region other) {
        region = other;
    }

    private Pdpb.ResponseHeader ok() {
        return Pdpb.ResponseHeader.newBuilder().setClusterId(clusterId).build();
    }

    private Pdpb.ResponseHeader error(Pdpb.ErrorType type, String message) {
        return Pdpb.ResponseHeader.newBuilder()
                .setClusterId(clusterId)
                .setError(Pdpb.Error.newBuilder().setType(type).setMessage(message))
                .build();
    }

    private final class Service extends PDGrpc.PDImplBase {
        @Override
        public void getMembers(Pdpb.GetMembersRequest request, StreamObserver<Pdpb.GetMembersResponse> out) {
            Pdpb.Member me = Pdpb.Member.newBuilder()
                    .setName("fake")
                    .setMemberId(1)
                    .addClientUrls("http://" + address())
                    .build();
            reply(
                    out,
                    Pdpb.GetMembersResponse.newBuilder()
                            .setHeader(ok())
                            .addMembers(me)
                            .setLeader(me)
                            .build());
        }

        @Override
        public void allocID(Pdpb.AllocIDRequest request, StreamObserver<Pdpb.AllocIDResponse> out) {
            reply(
                    out,
                    Pdpb.AllocIDResponse.newBuilder()
                            .setHeader(ok())
                            .setId(nextId.incrementAndGet())
                            .build());
        }

        @Override
        public void isBootstrapped(
                Pdpb.IsBootstrappedRequest request, StreamObserver<Pdpb.IsBootstrappedResponse> out) {
            reply(
                    out,
                    Pdpb.IsBootstrappedResponse.newBuilder()
                            .setHeader(ok())
                            .setBootstrapped(region != null && !hideBootstrap)
                            .build());
        }

        @Override
        public synchronized void bootstrap(Pdpb.BootstrapRequest request, StreamObserver<Pdpb.BootstrapResponse> out) {
            bootstraps.add(request);
            if (region != null) {
                reply(
                        out,
                        Pdpb.BootstrapResponse.newBuilder()
                                .setHeader(
                                        error(Pdpb.ErrorType.ALREADY_BOOTSTRAPPED, "cluster is already bootstrapped"))
                                .build());
                return;
            }
            region = request.getRegion();
            leader = request.getRegion().getPeers(0);
            stores.put(request.getStore().getId(), request.getStore());
            reply(out, Pdpb.BootstrapResponse.newBuilder().setHeader(ok()).build());
        }

        @Override
        public void putStore(Pdpb.PutStoreRequest request, StreamObserver<Pdpb.PutStoreResponse> out) {
            stores.put(request.getStore().getId(), request.getStore());
            reply(out, Pdpb.PutStoreResponse.newBuilder().setHeader(ok()).build());
        }

        @Override
        public void getStore(Pdpb.GetStoreRequest request, StreamObserver<Pdpb.GetStoreResponse> out) {
            Metapb.Store store = stores.get(request.getStoreId());
            reply(
                    out,
                    store == null
                            ? Pdpb.GetStoreResponse.newBuilder()
                                    .setHeader(error(Pdpb.ErrorType.UNKNOWN, "no such store"))
                                    .build()
                            : Pdpb.GetStoreResponse.newBuilder()
                                    .setHeader(ok())
                                    .setStore(store)
                                    .build());
        }

        @Override
        public void getAllStores(Pdpb.GetAllStoresRequest request, StreamObserver<Pdpb.GetAllStoresResponse> out) {
            reply(
                    out,
                    Pdpb.GetAllStoresResponse.newBuilder()
                            .setHeader(ok())
                            .addAllStores(stores.values())
                            .build());
        }

        @Override
        public void getRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
            reply(out, regionResponse());
        }

        @Override
        public void getRegionByID(Pdpb.GetRegionByIDRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
            Metapb.Region r = region;
            reply(
                    out,
                    r != null && r.getId() == request.getRegionId()
                            ? regionResponse()
                            : Pdpb.GetRegionResponse.newBuilder()
                                    .setHeader(ok())
                                    .build());
        }

        @Override
        public void scanRegions(Pdpb.ScanRegionsRequest request, StreamObserver<Pdpb.ScanRegionsResponse> out) {
            Metapb.Region r = region;
            Pdpb.ScanRegionsResponse.Builder resp =
                    Pdpb.ScanRegionsResponse.newBuilder().setHeader(ok());
            if (r != null) {
                resp.addRegionMetas(r)
                        .addLeaders(leader)
                        .addRegions(Pdpb.Region.newBuilder().setRegion(r).setLeader(leader));
            }
            reply(out, resp.build());
        }

        @Override
        public void storeHeartbeat(
                Pdpb.StoreHeartbeatRequest request, StreamObserver<Pdpb.StoreHeartbeatResponse> out) {
            storeHeartbeats.add(request);
            Pdpb.Error error = storeHeartbeatError;
            reply(
                    out,
                    Pdpb.StoreHeartbeatResponse.newBuilder()
                            .setHeader(
                                    error == null
                                            ? ok()
                                            : ok().toBuilder().setError(error).build())
                            .build());
        }

        @Override
        public StreamObserver<Pdpb.RegionHeartbeatRequest> regionHeartbeat(
                StreamObserver<Pdpb.RegionHeartbeatResponse> out) {
            heartbeatStreams.add(out);
            return new StreamObserver<>() {
                @Override
                public void onNext(Pdpb.RegionHeartbeatRequest heartbeat) {
                    regionHeartbeats.add(heartbeat);
                    region = heartbeat.getRegion();
                    leader = heartbeat.getLeader();
                    Pdpb.RegionHeartbeatResponse reply = replyToHeartbeats;
                    if (reply != null) {
                        synchronized (out) {
                            out.onNext(reply);
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    out.onCompleted();
                }
            };
        }

        private Pdpb.GetRegionResponse regionResponse() {
            Metapb.Region r = region;
            if (r == null) {
                return Pdpb.GetRegionResponse.newBuilder()
                        .setHeader(error(Pdpb.ErrorType.NOT_BOOTSTRAPPED, "not bootstrapped"))
                        .build();
            }
            return Pdpb.GetRegionResponse.newBuilder()
                    .setHeader(ok())
                    .setRegion(r)
                    .setLeader(leader)
                    .build();
        }

        private <T> void reply(StreamObserver<T> out, T response) {
            out.onNext(response);
            out.onCompleted();
        }
    }

    /** Ends every region heartbeat stream from the scheduler's side. */
    void breakHeartbeatStreams() {
        for (StreamObserver<Pdpb.RegionHeartbeatResponse> out : heartbeatStreams) {
            synchronized (out) {
                try {
                    out.onError(io.grpc.Status.UNAVAILABLE
                            .withDescription("scheduler restarting")
                            .asRuntimeException());
                } catch (IllegalStateException alreadyClosed) {
                    // ended before
                }
            }
        }
        heartbeatStreams.clear();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
