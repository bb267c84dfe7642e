package io.tinykv.server.pd;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.IdAllocator;
import io.tinykv.scheduler.Tso;
import io.tinykv.scheduler.HostAndPort;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPdServiceTest {

    private static final long CLUSTER_ID = 7_000_000_001L;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    private final SingleStoreCluster cluster =
            SingleStoreCluster.create(CLUSTER_ID, new HostAndPort("127.0.0.1", 23456), "127.0.0.1:23457");
    private Server server;
    private ManagedChannel channel;
    private PDGrpc.PDBlockingStub pd;

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        Tso tso = new Tso(new DurableLong(dir.resolve("tso")), clock::get, 3_000);
        IdAllocator ids = new IdAllocator(new DurableLong(dir.resolve("alloc_id")), 100);
        server = InProcessServerBuilder.forName(name)
                .addService(new EmbeddedPdService(cluster, tso, ids)).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        pd = PDGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static Pdpb.RequestHeader header() {
        return Pdpb.RequestHeader.newBuilder().setClusterId(CLUSTER_ID).build();
    }

    @Test
    void getMembersNamesOneLeaderAtTheAdvertisedAddress() {
        Pdpb.GetMembersResponse resp = pd.getMembers(Pdpb.GetMembersRequest.getDefaultInstance());
        assertThat(resp.getHeader().getClusterId()).isEqualTo(CLUSTER_ID);
        assertThat(resp.getMembersList()).hasSize(1);
        assertThat(resp.getLeader().getMemberId()).isNotZero();
        assertThat(resp.getLeader().getClientUrlsList()).containsExactly("http://127.0.0.1:23456");
        assertThat(resp.getMembers(0)).isEqualTo(resp.getLeader());
    }

    @Test
    void everyKeyIsInTheOneRegionLedByStoreOne() {
        for (ByteString key : List.of(ByteString.EMPTY, ByteString.copyFromUtf8("zzz"),
                ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff}))) {
            Pdpb.GetRegionResponse resp = pd.getRegion(
                    Pdpb.GetRegionRequest.newBuilder().setHeader(header()).setRegionKey(key).build());
            assertThat(resp.hasHeader() && !resp.getHeader().hasError()).isTrue();
            assertThat(resp.getRegion().getId()).isEqualTo(SingleStoreCluster.REGION_ID);
            assertThat(resp.getRegion().getStartKey().isEmpty() && resp.getRegion().getEndKey().isEmpty()).isTrue();
            assertThat(resp.getRegion().getRegionEpoch().getConfVer()).isEqualTo(1);
            assertThat(resp.getRegion().getRegionEpoch().getVersion()).isEqualTo(1);
            assertThat(resp.getLeader().getStoreId()).isEqualTo(SingleStoreCluster.STORE_ID);
        }
        assertThat(pd.getPrevRegion(Pdpb.GetRegionRequest.newBuilder().setHeader(header())
                .setRegionKey(ByteString.copyFromUtf8("m")).build()).hasRegion()).isFalse();
        assertThat(pd.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder().setHeader(header())
                .setRegionId(1).build()).getRegion()).isEqualTo(cluster.region());
        assertThat(pd.getRegionByID(Pdpb.GetRegionByIDRequest.newBuilder().setHeader(header())
                .setRegionId(2).build()).hasRegion()).isFalse();
    }

    @Test
    void scanRegionsFillsNewAndLegacyFields() {
        Pdpb.ScanRegionsResponse resp = pd.scanRegions(Pdpb.ScanRegionsRequest.newBuilder()
                .setHeader(header()).setLimit(10).build());
        assertThat(resp.getRegionsList()).hasSize(1);
        assertThat(resp.getRegions(0).getRegion()).isEqualTo(cluster.region());
        assertThat(resp.getRegions(0).getLeader()).isEqualTo(cluster.leader());
        assertThat(resp.getRegionMetasList()).containsExactly(cluster.region());
        assertThat(resp.getLeadersList()).containsExactly(cluster.leader());
    }

    @Test
    void storesAndBootstrap() {
        Pdpb.GetStoreResponse store = pd.getStore(Pdpb.GetStoreRequest.newBuilder()
                .setHeader(header()).setStoreId(1).build());
        assertThat(store.getStore().getAddress()).isEqualTo("127.0.0.1:23456");
        assertThat(store.getStore().getVersion()).isEqualTo("6.5.0");
        assertThat(pd.getStore(Pdpb.GetStoreRequest.newBuilder().setHeader(header()).setStoreId(2).build())
                .getHeader().getError().getMessage()).contains("invalid store ID 2");
        assertThat(pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder().setHeader(header()).build())
                .getStoresList()).containsExactly(cluster.store());
        assertThat(pd.isBootstrapped(Pdpb.IsBootstrappedRequest.newBuilder().setHeader(header()).build())
                .getBootstrapped()).isTrue();
        assertThat(pd.bootstrap(Pdpb.BootstrapRequest.newBuilder().setHeader(header()).build())
                .getHeader().getError().getType()).isEqualTo(Pdpb.ErrorType.ALREADY_BOOTSTRAPPED);
        assertThat(pd.putStore(Pdpb.PutStoreRequest.newBuilder().setHeader(header())
                .setStore(cluster.store()).build()).getHeader().hasError()).isFalse();
        assertThat(pd.putStore(Pdpb.PutStoreRequest.newBuilder().setHeader(header())
                .setStore(cluster.store().toBuilder().setId(3)).build()).getHeader().getError().getMessage())
                .contains("exactly one store");
        assertThat(pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder().setHeader(header())
                .setStats(Pdpb.StoreStats.newBuilder().setStoreId(1)).build()).getHeader().hasError()).isFalse();
        assertThat(pd.askBatchSplit(Pdpb.AskBatchSplitRequest.newBuilder().setHeader(header()).build())
                .getHeader().getError().getMessage()).contains("does not split");
    }

    @Test
    void aRequestForAnotherClusterIsRefused() {
        Pdpb.GetAllStoresResponse resp = pd.getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                .setHeader(Pdpb.RequestHeader.newBuilder().setClusterId(CLUSTER_ID + 1)).build());
        assertThat(resp.getHeader().getError().getMessage()).contains("mismatch cluster id");
        assertThat(resp.getStoresList()).isEmpty();
    }

    @Test
    void allocatedIdsIncrease() {
        long last = 0;
        for (int i = 0; i < 250; i++) {
            long id = pd.allocID(Pdpb.AllocIDRequest.newBuilder().setHeader(header()).build()).getId();
            assertThat(id).isGreaterThan(last);
            last = id;
        }
    }

    @Test
    void tsoStreamAnswersEachRequestWithIncreasingTimestamps() throws Exception {
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
        for (int i = 0; i < 20; i++) {
            requests.onNext(Pdpb.TsoRequest.newBuilder().setHeader(header()).setCount(1 + i).build());
            if (i == 10) {
                clock.addAndGet(-10_000); // the wall clock steps back mid-stream
            }
        }
        requests.onCompleted();
        done.get(10, TimeUnit.SECONDS);
        assertThat(responses).hasSize(20);
        long last = 0;
        for (Pdpb.TsoResponse r : responses) {
            long ts = (r.getTimestamp().getPhysical() << Tso.LOGICAL_BITS) | r.getTimestamp().getLogical();
            assertThat(ts).isGreaterThan(last);
            last = ts;
        }
    }

    @Test
    void tsoWithCountZeroIsAnError() throws Exception {
        CompletableFuture<Throwable> failed = new CompletableFuture<>();
        StreamObserver<Pdpb.TsoRequest> requests = PDGrpc.newStub(channel).tso(new StreamObserver<>() {
            @Override
            public void onNext(Pdpb.TsoResponse value) {
                failed.completeExceptionally(new AssertionError("unexpected response " + value));
            }

            @Override
            public void onError(Throwable t) {
                failed.complete(t);
            }

            @Override
            public void onCompleted() {
                failed.completeExceptionally(new AssertionError("completed without error"));
            }
        });
        requests.onNext(Pdpb.TsoRequest.newBuilder().setHeader(header()).setCount(0).build());
        assertThat(failed.get(10, TimeUnit.SECONDS)).hasMessageContaining("tso count must be in 1..");
    }
}
