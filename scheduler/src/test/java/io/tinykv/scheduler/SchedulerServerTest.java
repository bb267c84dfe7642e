package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.key;
import static io.tinykv.scheduler.Fixtures.peer;
import static io.tinykv.scheduler.Fixtures.region;
import static io.tinykv.scheduler.Fixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler over real gRPC on loopback, as stores and the TiKV client use it. */
class SchedulerServerTest {

    private static final long START_MILLIS = 1_700_000_000_000L;
    /** Deadline of each call and wait. Generous: on a busy machine one test here ran 31 s in all. */
    private static final long WAIT_SECONDS = 30;

    private static final long POLL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    @TempDir
    Path dir;

    /**
     * Gives every call its own deadline. (A stub's withDeadlineAfter fixes one instant for all the
     * calls made through it, so a test that ran long on a busy machine failed its later calls.)
     */
    private static final ClientInterceptor CALL_DEADLINE = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return next.newCall(method, options.withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    };

    private final AtomicLong clock = new AtomicLong(START_MILLIS);
    private SchedulerServer server;
    private ManagedChannel channel;
    private PDGrpc.PDBlockingStub pd;
    private PrometheusRegistry registry;

    private SchedulerConfig config() {
        return SchedulerConfig.defaults(dir.resolve("meta")).withListenAddress(new HostAndPort("127.0.0.1", 0));
    }

    private void start(SchedulerConfig config) {
        registry = new PrometheusRegistry();
        server = SchedulerServer.start(config, clock::get, new SplittableRandom(7), registry);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
                .usePlaintext()
                .build();
        pd = PDGrpc.newBlockingStub(channel).withInterceptors(CALL_DEADLINE);
    }

    private void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
        channel = null;
        server = null;
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        stop();
    }

    private Pdpb.RequestHeader header() {
        return Pdpb.RequestHeader.newBuilder().setClusterId(server.clusterId()).build();
    }

    /** Bootstraps with store 1 holding region 2 (peer 3) over all keys, as a first store does. */
    private void bootstrap() {
        long storeId = alloc();
        long regionId = alloc();
        long peerId = alloc();
        Metapb.Region region = Metapb.Region.newBuilder()
                .setId(regionId)
                .setRegionEpoch(epoch(1, 1))
                .addPeers(peer(peerId, storeId))
                .build();
        Pdpb.BootstrapResponse resp = pd.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                .setHeader(header())
                .setStore(store(storeId))
                .setRegion(region)
                .build());
        assertThat(resp.getHeader().hasError()).as(resp.toString()).isFalse();
    }

    private long alloc() {
        Pdpb.AllocIDResponse resp =
                pd.allocID(Pdpb.AllocIDRequest.newBuilder().setHeader(header()).build());
        assertThat(resp.getHeader().hasError()).isFalse();
        return resp.getId();
    }

    /** TiKV clients health-check every PD address to find the leader; UNIMPLEMENTED fails each try. */
    @Test
    void healthCheckSaysServingForTheServerAndForPd() {
        start(config());
        HealthGrpc.HealthBlockingStub health =
                HealthGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(health.check(HealthCheckRequest.newBuilder()
                                .setService(PDGrpc.SERVICE_NAME)
                                .build())
                        .getStatus())
                .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void getMembersNamesOneLeaderAtTheAdvertisedAddressWithTheClusterId() {
        start(config());
        Pdpb.GetMembersResponse resp = pd.getMembers(Pdpb.GetMembersRequest.getDefaultInstance());
        assertThat(resp.getHeader().getClusterId())
                .isEqualTo(server.clusterId())
                .isNotZero();
        assertThat(resp.getMembersList()).containsExactly(resp.getLeader());
        assertThat(resp.getLeader().getMemberId()).isNotZero();
        assertThat(resp.getLeader().getClientUrlsList()).containsExactly("http://127.0.0.1:" + server.port());
        assertThat(server.port()).isPositive();
    }

    @Test
    void advertiseAddressIsWhatMembersTellClients() {
        start(config().withAdvertiseAddress(new HostAndPort("db.example", 2379)));
        assertThat(pd.getMembers(Pdpb.GetMembersRequest.getDefaultInstance())
                        .getLeader()
                        .getClientUrlsList())
                .containsExactly("http://db.example:2379");
        assertThat(server.address()).isEqualTo("db.example:2379");
    }

    @Test
    void beforeBootstrapRequestsNeedingTheClusterSayNotBootstrapped() {
        start(config());
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getBootstrapped())
                .isFalse();
        assertThat(alloc()).isPositive();
        Pdpb.GetRegionResponse region = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(key("a"))
                .build());
        assertThat(region.getHeader().getError().getType()).isEqualTo(Pdpb.ErrorType.NOT_BOOTSTRAPPED);
        assertThat(region.getHeader().getError().getMessage()).contains("not bootstrapped");
        assertThat(pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                                .setHeader(header())
                                .setStore(store(9))
                                .build())
                        .getHeader()
                        .getError()
                        .getType())
                .isEqualTo(Pdpb.ErrorType.NOT_BOOTSTRAPPED);
        assertThat(pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getHeader()
                        .getError()
                        .getType())
                .isEqualTo(Pdpb.ErrorType.NOT_BOOTSTRAPPED);
    }

    @Test
    void bootstrapCreatesTheFirstRegionOverAllKeysAndOnlyOnce() {
        start(config());
        bootstrap();
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getBootstrapped())
                .isTrue();
        Pdpb.GetRegionResponse region = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(key("any key"))
                .build());
        assertThat(region.getHeader().hasError()).isFalse();
        assertThat(region.getRegion().getStartKey().isEmpty()
                        && region.getRegion().getEndKey().isEmpty())
                .isTrue();
        assertThat(region.getRegion().getPeersCount()).isEqualTo(1);
        assertThat(region.getLeader()).isEqualTo(region.getRegion().getPeers(0));

        Pdpb.BootstrapResponse again = pd.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                .setHeader(header())
                .setStore(store(50))
                .setRegion(region.getRegion())
                .build());
        assertThat(again.getHeader().getError().getType()).isEqualTo(Pdpb.ErrorType.ALREADY_BOOTSTRAPPED);
    }

    @Test
    void badBootstrapRequestsAreRefusedWithAReason() {
        start(config());
        Pdpb.BootstrapResponse noRegion = pd.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                .setHeader(header())
                .setStore(store(1))
                .build());
        assertThat(noRegion.getHeader().getError().getMessage()).contains("region id must not be 0");
        Pdpb.BootstrapResponse wrongStore = pd.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                .setHeader(header())
                .setStore(store(1))
                .setRegion(region(2, "", "", epoch(1, 1), new long[] {3}, new long[] {4}))
                .build());
        assertThat(wrongStore.getHeader().getError().getMessage()).contains("exactly one peer");
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getBootstrapped())
                .isFalse();
    }

    @Test
    void storesArePutFetchedListedAndHeartbeat() {
        start(config());
        bootstrap();
        long second = alloc();
        assertThat(pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                                .setHeader(header())
                                .setStore(store(second))
                                .build())
                        .getHeader()
                        .hasError())
                .isFalse();
        Pdpb.GetStoreResponse got = pd.getStore(Pdpb.GetStoreRequest.newBuilder()
                .setHeader(header())
                .setStoreId(second)
                .build());
        assertThat(got.getStore().getAddress()).isEqualTo(store(second).getAddress());
        assertThat(got.getStore().getState()).isEqualTo(Metapb.StoreState.Up);
        assertThat(pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                                .setHeader(header())
                                .setExcludeTombstoneStores(true)
                                .build())
                        .getStoresList())
                .hasSize(2);

        Pdpb.StoreHeartbeatResponse hb = pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                .setHeader(header())
                .setStats(Pdpb.StoreStats.newBuilder().setStoreId(second).setRegionCount(0))
                .build());
        assertThat(hb.getHeader().hasError()).isFalse();
        assertThat(hb.getClusterVersion()).isEqualTo("6.5.0");
        // As PD: the last heartbeat in Unix nanoseconds.
        assertThat(pd.getStore(Pdpb.GetStoreRequest.newBuilder()
                                .setHeader(header())
                                .setStoreId(second)
                                .build())
                        .getStore()
                        .getLastHeartbeat())
                .isEqualTo(clock.get() * 1_000_000);

        Pdpb.GetStoreResponse unknown = pd.getStore(Pdpb.GetStoreRequest.newBuilder()
                .setHeader(header())
                .setStoreId(999_999)
                .build());
        assertThat(unknown.getHeader().getError().getMessage()).contains("invalid store ID 999999");
        Pdpb.StoreHeartbeatResponse unknownHb = pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                .setHeader(header())
                .setStats(Pdpb.StoreStats.newBuilder().setStoreId(999_999))
                .build());
        assertThat(unknownHb.getHeader().getError().getMessage()).contains("invalid store ID 999999");
        Pdpb.PutStoreResponse sameAddress = pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                .setHeader(header())
                .setStore(store(second).toBuilder().setId(second + 100))
                .build());
        assertThat(sameAddress.getHeader().getError().getMessage()).contains("duplicated store address");
    }

    @Test
    void tombstoneStoresAreListedOnRequestAndCannotComeBack() throws Exception {
        start(config());
        bootstrap();
        stop();
        Metapb.Store gone =
                store(30).toBuilder().setState(Metapb.StoreState.Tombstone).build();
        try (MetaStore meta = MetaStore.open(dir.resolve("meta"))) {
            meta.putStore(gone);
        }
        start(config());
        assertThat(pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getStoresList())
                .extracting(Metapb.Store::getId)
                .containsExactlyInAnyOrder(1L, 30L);
        assertThat(pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                                .setHeader(header())
                                .setExcludeTombstoneStores(true)
                                .build())
                        .getStoresList())
                .extracting(Metapb.Store::getId)
                .containsExactly(1L);
        assertThat(pd.getStore(Pdpb.GetStoreRequest.newBuilder()
                                .setHeader(header())
                                .setStoreId(30)
                                .build())
                        .getStore()
                        .getState())
                .isEqualTo(Metapb.StoreState.Tombstone);
        assertThat(pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                                .setHeader(header())
                                .setStore(store(30))
                                .build())
                        .getHeader()
                        .getError()
                        .getType())
                .isEqualTo(Pdpb.ErrorType.STORE_TOMBSTONE);
        assertThat(pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                                .setHeader(header())
                                .setStats(Pdpb.StoreStats.newBuilder().setStoreId(30))
                                .build())
                        .getHeader()
                        .getError()
                        .getType())
                .isEqualTo(Pdpb.ErrorType.STORE_TOMBSTONE);
        assertThat(server.cluster().storeStatus(server.cluster().requireStore(30), clock.get()))
                .isEqualTo(StoreStatus.TOMBSTONE);
    }

    @Test
    void askBatchSplitHandsOutFreshRegionAndPeerIds() {
        start(config());
        bootstrap();
        Metapb.Region r = region(2, "", "", epoch(3, 1), new long[] {3, 4, 5}, new long[] {1, 2, 3});
        Pdpb.AskBatchSplitResponse resp = pd.askBatchSplit(Pdpb.AskBatchSplitRequest.newBuilder()
                .setHeader(header())
                .setRegion(r)
                .setSplitCount(2)
                .build());
        assertThat(resp.getIdsList()).hasSize(2);
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (Pdpb.SplitID split : resp.getIdsList()) {
            assertThat(split.getNewPeerIdsList()).hasSize(3);
            assertThat(seen.add(split.getNewRegionId())).isTrue();
            split.getNewPeerIdsList().forEach(id -> assertThat(seen.add(id)).isTrue());
        }
        assertThat(pd.askBatchSplit(Pdpb.AskBatchSplitRequest.newBuilder()
                                .setHeader(header())
                                .setRegion(r)
                                .build())
                        .getHeader()
                        .getError()
                        .getMessage())
                .contains("split_count must be > 0");
        // A split_count of 2^32 - 1 (uint32) or a region with absurdly many peers would have the scheduler
        // allocate ids for as long as it likes: refused, and no id was handed out for them.
        long idBefore = pd.allocID(
                        Pdpb.AllocIDRequest.newBuilder().setHeader(header()).build())
                .getId();
        assertThat(pd.askBatchSplit(Pdpb.AskBatchSplitRequest.newBuilder()
                                .setHeader(header())
                                .setRegion(r)
                                .setSplitCount(-1)
                                .build())
                        .getHeader()
                        .getError()
                        .getMessage())
                .contains("split_count 4294967295 is over the limit of " + SplitLimits.DEFAULTS.maxSplitCount());
        Metapb.Region crowded = r.toBuilder()
                .clearPeers()
                .addAllPeers(java.util.stream.LongStream.rangeClosed(1, SplitLimits.DEFAULTS.maxPeersPerRegion() + 1)
                        .mapToObj(id -> Metapb.Peer.newBuilder()
                                .setId(1000 + id)
                                .setStoreId(1)
                                .build())
                        .toList())
                .build();
        assertThat(pd.askBatchSplit(Pdpb.AskBatchSplitRequest.newBuilder()
                                .setHeader(header())
                                .setRegion(crowded)
                                .setSplitCount(1)
                                .build())
                        .getHeader()
                        .getError()
                        .getMessage())
                .contains("peers is over the limit");
        assertThat(pd.allocID(Pdpb.AllocIDRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getId())
                .isEqualTo(idBefore + 1);
    }

    /** As PD: a header naming another cluster fails the call with FAILED_PRECONDITION, reads and writes alike. */
    @Test
    void aRequestForAnotherClusterIsRefused() {
        start(config());
        Pdpb.RequestHeader other = Pdpb.RequestHeader.newBuilder()
                .setClusterId(server.clusterId() + 1)
                .build();
        assertThatThrownBy(() -> pd.getAllStores(
                        Pdpb.GetAllStoresRequest.newBuilder().setHeader(other).build()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                    assertThat(e.getStatus().getDescription())
                            .isEqualTo("mismatch cluster id, need " + server.clusterId() + " but got "
                                    + (server.clusterId() + 1));
                });
        assertThatThrownBy(() -> pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                        .setHeader(other)
                        .setStore(store(1))
                        .build()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    }

    /** Cluster id 0 ("not known yet") may read, not write: whatever changes the cluster says which one. */
    @Test
    void aWriteWithoutAClusterIdIsRefusedAndAReadIsServed() {
        start(config());
        Pdpb.RequestHeader none = Pdpb.RequestHeader.getDefaultInstance();
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(none)
                                .build())
                        .getHeader()
                        .hasError())
                .isFalse();
        for (Runnable write : List.<Runnable>of(
                () -> pd.allocID(
                        Pdpb.AllocIDRequest.newBuilder().setHeader(none).build()),
                () -> pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                        .setHeader(none)
                        .setStore(store(1))
                        .build()),
                () -> pd.bootstrap(Pdpb.BootstrapRequest.newBuilder()
                        .setHeader(none)
                        .setStore(store(1))
                        .build()),
                () -> pd.storeHeartbeat(
                        Pdpb.StoreHeartbeatRequest.newBuilder().setHeader(none).build()))) {
            assertThatThrownBy(write::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(e.getStatus().getDescription()).contains("but got 0");
            });
        }
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getBootstrapped())
                .as("nothing was written")
                .isFalse();
    }

    @Test
    void tsoStreamAnswersEveryRequestWithIncreasingTimestampsAndBatches() throws Exception {
        start(config());
        List<Pdpb.TsoResponse> responses = tso(List.of(1, 10, 1, 100, 3), () -> clock.addAndGet(-10_000));
        assertThat(responses).hasSize(5);
        long last = 0;
        for (Pdpb.TsoResponse r : responses) {
            long ts = (r.getTimestamp().getPhysical() << Tso.LOGICAL_BITS)
                    | r.getTimestamp().getLogical();
            assertThat(ts).isGreaterThan(last);
            last = ts;
        }
        assertThat(responses.get(3).getCount()).isEqualTo(100);
        // A batch of n: the answer is the last of n consecutive timestamps, all above the previous answer.
        Pdpb.Timestamp before = responses.get(2).getTimestamp();
        Pdpb.Timestamp batch = responses.get(3).getTimestamp();
        assertThat(batch.getPhysical() == before.getPhysical() ? batch.getLogical() - before.getLogical() : 100)
                .isGreaterThanOrEqualTo(100);
    }

    private List<Pdpb.TsoResponse> tso(List<Integer> counts, Runnable midway) throws Exception {
        List<Pdpb.TsoResponse> responses = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        StreamObserver<Pdpb.TsoRequest> requests = PDGrpc.newStub(channel).tso(new StreamObserver<>() {
            @Override
            public void onNext(Pdpb.TsoResponse value) {
                responses.add(value);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                done.complete(null);
            }
        });
        for (int i = 0; i < counts.size(); i++) {
            requests.onNext(Pdpb.TsoRequest.newBuilder()
                    .setHeader(header())
                    .setCount(counts.get(i))
                    .build());
            if (i == counts.size() / 2) {
                midway.run();
            }
        }
        requests.onCompleted();
        done.get(WAIT_SECONDS, TimeUnit.SECONDS);
        return responses;
    }

    @Test
    void tsoWithCountZeroFailsTheStreamWithAReason() {
        start(config());
        assertThatThrownBy(() -> tso(List.of(0), () -> {})).hasMessageContaining("tso count must be in 1..");
    }

    @Test
    void regionsAreRoutedByKeyIdPrevAndScanWithLeaders() throws Exception {
        start(config());
        bootstrap();
        long s1 = 1;
        for (long s = 2; s <= 3; s++) {
            pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                    .setHeader(header())
                    .setStore(store(s + 100))
                    .build());
        }
        // Split the first region (id 2, peer 3 on store 1) into [,"m") and ["m",) by heartbeats.
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {s1});
        Metapb.Region right = region(10, "m", "", epoch(1, 2), new long[] {11}, new long[] {s1});
        HeartbeatStream stream = new HeartbeatStream();
        stream.send(Fixtures.heartbeat(left, left.getPeers(0)));
        stream.send(Fixtures.heartbeat(right, right.getPeers(0)));
        // Heartbeats are asynchronous: wait for the scheduler to know the second region.
        awaitRegionCount(2);

        Pdpb.GetRegionResponse a = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(key("a"))
                .build());
        assertThat(a.getRegion()).isEqualTo(left);
        assertThat(a.getLeader()).isEqualTo(left.getPeers(0));
        assertThat(pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                                .setHeader(header())
                                .setRegionKey(key("m"))
                                .build())
                        .getRegion())
                .isEqualTo(right);
        assertThat(pd.getPrevRegion(Pdpb.GetRegionRequest.newBuilder()
                                .setHeader(header())
                                .setRegionKey(key("x"))
                                .build())
                        .getRegion())
                .isEqualTo(left);
        assertThat(pd.getPrevRegion(Pdpb.GetRegionRequest.newBuilder()
                                .setHeader(header())
                                .setRegionKey(key("a"))
                                .build())
                        .getHeader()
                        .getError()
                        .getType())
                .isEqualTo(Pdpb.ErrorType.REGION_NOT_FOUND);
        assertThat(pd.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder()
                                .setHeader(header())
                                .setRegionId(10)
                                .build())
                        .getLeader())
                .isEqualTo(right.getPeers(0));
        Pdpb.GetRegionResponse missing = pd.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder()
                .setHeader(header())
                .setRegionId(77)
                .build());
        assertThat(missing.getHeader().getError().getType()).isEqualTo(Pdpb.ErrorType.REGION_NOT_FOUND);
        assertThat(missing.getHeader().getError().getMessage()).contains("region 77 not found");

        Pdpb.ScanRegionsResponse all = pd.scanRegions(
                Pdpb.ScanRegionsRequest.newBuilder().setHeader(header()).build());
        assertThat(all.getRegionsList()).extracting(Pdpb.Region::getRegion).containsExactly(left, right);
        assertThat(all.getRegionMetasList()).containsExactly(left, right);
        assertThat(all.getLeadersList()).containsExactly(left.getPeers(0), right.getPeers(0));
        assertThat(pd.scanRegions(Pdpb.ScanRegionsRequest.newBuilder()
                                .setHeader(header())
                                .setLimit(1)
                                .build())
                        .getRegionMetasList())
                .containsExactly(left);
        assertThat(pd.scanRegions(Pdpb.ScanRegionsRequest.newBuilder()
                                .setHeader(header())
                                .setStartKey(key("n"))
                                .build())
                        .getRegionMetasList())
                .containsExactly(right);
        assertThat(pd.scanRegions(Pdpb.ScanRegionsRequest.newBuilder()
                                .setHeader(header())
                                .setStartKey(key("a"))
                                .setEndKey(key("m"))
                                .build())
                        .getRegionMetasList())
                .containsExactly(left);
        stream.close();
    }

    /** Boundaries of transactional data are encoded user keys: clients' encoded keys route as they are. */
    @Test
    void txnKeyModeRoutesEncodedKeysAndRefusesOthers() throws Exception {
        start(config().withClientKeyMode(ClientKeyMode.TXN));
        bootstrap();
        ByteString encodedM = MemComparableCodec.encode(key("m"));
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {1}).toBuilder()
                .setEndKey(encodedM)
                .build();
        Metapb.Region right = region(10, "m", "", epoch(1, 2), new long[] {11}, new long[] {1}).toBuilder()
                .setStartKey(encodedM)
                .build();
        HeartbeatStream stream = new HeartbeatStream();
        stream.send(Fixtures.heartbeat(left, left.getPeers(0)));
        stream.send(Fixtures.heartbeat(right, right.getPeers(0)));
        awaitRegionCount(2);

        Pdpb.GetRegionResponse z = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(MemComparableCodec.encode(key("z")))
                .build());
        assertThat(z.getRegion().getId()).isEqualTo(10);
        assertThat(z.getRegion().getStartKey()).isEqualTo(encodedM);
        assertThat(z.getRegion().getEndKey()).isEmpty();
        Pdpb.GetRegionResponse a = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(MemComparableCodec.encode(key("a")))
                .build());
        assertThat(a.getRegion().getStartKey()).isEmpty();
        assertThat(a.getRegion().getEndKey()).isEqualTo(encodedM);
        Pdpb.GetRegionResponse m = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(encodedM)
                .build());
        assertThat(m.getRegion().getId())
                .as("the boundary's own key starts the right region")
                .isEqualTo(10);
        Pdpb.ScanRegionsResponse scan = pd.scanRegions(Pdpb.ScanRegionsRequest.newBuilder()
                .setHeader(header())
                .setStartKey(MemComparableCodec.encode(key("n")))
                .build());
        assertThat(scan.getRegionsList())
                .extracting(r -> r.getRegion().getStartKey())
                .containsExactly(encodedM);
        Pdpb.GetRegionResponse notEncoded = pd.getRegion(Pdpb.GetRegionRequest.newBuilder()
                .setHeader(header())
                .setRegionKey(key("abc"))
                .build());
        assertThat(notEncoded.getHeader().getError().getMessage()).contains("not a memcomparable-encoded key");
        stream.close();
    }

    @Test
    void theLeadersHeartbeatStreamCarriesAddPeerOperatorsUntilDone() throws Exception {
        start(config());
        bootstrap();
        for (long s = 2; s <= 3; s++) {
            pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                    .setHeader(header())
                    .setStore(store(s))
                    .build());
        }
        Metapb.Region first = region(2, "", "", epoch(1, 1), new long[] {3}, new long[] {1});
        HeartbeatStream stream = new HeartbeatStream();
        stream.send(Fixtures.heartbeat(first, first.getPeers(0)));
        Pdpb.RegionHeartbeatResponse op = stream.next();
        assertThat(op.getRegionId()).isEqualTo(2);
        assertThat(op.getRegionEpoch()).isEqualTo(first.getRegionEpoch());
        assertThat(op.getTargetPeer()).isEqualTo(first.getPeers(0));
        assertThat(op.getChangePeer().getChangeType()).isEqualTo(Eraftpb.ConfChangeType.AddLearnerNode);
        assertThat(op.getChangePeer().getPeer().getRole()).isEqualTo(Metapb.PeerRole.Learner);
        assertThat(op.getChangePeer().getPeer().getStoreId()).isIn(2L, 3L);
        // Not done yet: the same operator comes again.
        stream.send(Fixtures.heartbeat(first, first.getPeers(0)));
        assertThat(stream.next()).isEqualTo(op);
        stream.close();
    }

    @Test
    void malformedHeartbeatsAreAnsweredWithAnErrorNotACrash() throws Exception {
        start(config());
        HeartbeatStream stream = new HeartbeatStream();
        stream.send(Fixtures.heartbeat(region(5, "", "", epoch(1, 1), new long[] {6}, new long[] {1}), peer(6, 1)));
        assertThat(stream.next().getHeader().getError().getType()).isEqualTo(Pdpb.ErrorType.NOT_BOOTSTRAPPED);
        bootstrap();
        stream.send(Fixtures.heartbeat(region(5, "", "", epoch(1, 1), new long[] {6}, new long[] {1}), peer(7, 1)));
        assertThat(stream.next().getHeader().getError().getMessage()).contains("is not one of its peers");
        stream.close();
    }

    @Test
    void aRestartKeepsClusterIdStoresRegionsIdsAndTimestampsMoving() throws Exception {
        start(config());
        bootstrap();
        long clusterId = server.clusterId();
        pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                .setHeader(header())
                .setStore(store(40))
                .build());
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {1});
        Metapb.Region right = region(10, "m", "", epoch(1, 2), new long[] {11}, new long[] {1});
        HeartbeatStream stream = new HeartbeatStream();
        stream.send(Fixtures.heartbeat(left, left.getPeers(0)));
        stream.send(Fixtures.heartbeat(right, right.getPeers(0)));
        awaitRegionCount(2);
        stream.close();
        long lastId = alloc();
        long lastTs = composed(tso(List.of(1), () -> {}).get(0));
        stop();

        clock.addAndGet(-3_600_000); // restarted with a clock an hour behind
        start(config());
        assertThat(server.clusterId()).isEqualTo(clusterId);
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getBootstrapped())
                .isTrue();
        assertThat(pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                                .setHeader(header())
                                .build())
                        .getStoresList())
                .extracting(Metapb.Store::getId)
                .containsExactlyInAnyOrder(1L, 40L);
        Pdpb.ScanRegionsResponse regions = pd.scanRegions(
                Pdpb.ScanRegionsRequest.newBuilder().setHeader(header()).build());
        assertThat(regions.getRegionMetasList()).containsExactly(left, right);
        // Leaders are learned again from heartbeats; a one-peer region's only peer is its leader.
        assertThat(regions.getLeadersList()).containsExactly(left.getPeers(0), right.getPeers(0));
        assertThat(alloc()).isGreaterThan(lastId);
        assertThat(composed(tso(List.of(1), () -> {}).get(0))).isGreaterThan(lastTs);
    }

    @Test
    void corruptMetadataRefusesToStartWithAClearMessage() throws Exception {
        start(config());
        stop();
        Path metaDir = dir.resolve("meta");
        try (var files = Files.list(metaDir)) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().startsWith("CURRENT")) {
                    Files.writeString(f, "garbage\n");
                }
            }
        }
        assertThatThrownBy(() -> start(config()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scheduler metadata in " + metaDir);
    }

    @Test
    void aSecondSchedulerOnTheSameDataDirIsRefused() {
        start(config());
        assertThatThrownBy(() ->
                        SchedulerServer.start(config(), clock::get, new SplittableRandom(1), new PrometheusRegistry()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot open the scheduler metadata");
    }

    @Test
    void storeStatusesAreObservedAsTimePasses() {
        start(config().withStoreTimes(Duration.ofSeconds(20), Duration.ofMinutes(30)));
        bootstrap();
        assertThat(server.cluster().observeStoreStatuses(clock.get())).isEmpty();
        clock.addAndGet(Duration.ofSeconds(21).toMillis());
        assertThat(server.cluster().observeStoreStatuses(clock.get()))
                .containsExactly(new ClusterMeta.StoreStatusChange(1, StoreStatus.UP, StoreStatus.DISCONNECTED));
        clock.addAndGet(Duration.ofMinutes(30).toMillis());
        assertThat(server.cluster().observeStoreStatuses(clock.get()))
                .containsExactly(new ClusterMeta.StoreStatusChange(1, StoreStatus.DISCONNECTED, StoreStatus.DOWN));
        pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                .setHeader(header())
                .setStats(Pdpb.StoreStats.newBuilder().setStoreId(1))
                .build());
        assertThat(server.cluster().observeStoreStatuses(clock.get())).isEmpty();
        assertThat(server.cluster().storeStatus(server.cluster().requireStore(1), clock.get()))
                .isEqualTo(StoreStatus.UP);
    }

    @Test
    void metricsCountRequestsByRpcAndResultAndGaugeStoresAndRegions() {
        start(config());
        pd.isBootstrapped(
                Pdpb.IsBootstrappedRequest.newBuilder().setHeader(header()).build());
        pd.getRegion(Pdpb.GetRegionRequest.newBuilder().setHeader(header()).build());
        bootstrap();
        pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                .setHeader(header())
                .setStats(Pdpb.StoreStats.newBuilder().setStoreId(1))
                .build());
        String text = scrape();
        assertThat(text)
                .contains("tinykv_scheduler_requests_total{result=\"ok\",rpc=\"IsBootstrapped\"} 1.0")
                .contains("tinykv_scheduler_requests_total{result=\"not_bootstrapped\",rpc=\"GetRegion\"} 1.0")
                .contains("tinykv_scheduler_requests_total{result=\"ok\",rpc=\"AllocID\"} 3.0")
                .contains("tinykv_scheduler_heartbeats_total{kind=\"store\",outcome=\"updated\"} 1.0")
                .contains("tinykv_scheduler_regions 1.0")
                .contains("tinykv_scheduler_stores 1.0");
    }

    private String scrape() {
        var bytes = new java.io.ByteArrayOutputStream();
        try {
            io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter.create()
                    .write(bytes, registry.scrape());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static long composed(Pdpb.TsoResponse r) {
        return (r.getTimestamp().getPhysical() << Tso.LOGICAL_BITS)
                | r.getTimestamp().getLogical();
    }

    private void awaitRegionCount(int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (server.cluster().regionCount() != count) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + WAIT_SECONDS + " s waiting for " + count + " regions");
            }
            // Parked, not spinning: on a busy machine a spin takes the core the server needs.
            LockSupport.parkNanos(POLL_INTERVAL_NANOS);
        }
    }

    /** One store's region heartbeat stream. */
    private final class HeartbeatStream {
        private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        private final StreamObserver<Pdpb.RegionHeartbeatRequest> requests;

        HeartbeatStream() {
            requests = PDGrpc.newStub(channel).regionHeartbeat(new StreamObserver<>() {
                @Override
                public void onNext(Pdpb.RegionHeartbeatResponse value) {
                    received.add(value);
                }

                @Override
                public void onError(Throwable t) {
                    received.add(t);
                }

                @Override
                public void onCompleted() {
                    received.add("completed");
                }
            });
        }

        void send(Pdpb.RegionHeartbeatRequest heartbeat) {
            requests.onNext(heartbeat.toBuilder().setHeader(header()).build());
        }

        Pdpb.RegionHeartbeatResponse next() throws InterruptedException {
            Object o = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(o).isInstanceOf(Pdpb.RegionHeartbeatResponse.class);
            return (Pdpb.RegionHeartbeatResponse) o;
        }

        void close() {
            requests.onCompleted();
        }
    }
}
