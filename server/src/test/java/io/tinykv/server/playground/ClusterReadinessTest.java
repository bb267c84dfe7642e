package io.tinykv.server.playground;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.tinykv.client.Clock;
import io.tinykv.client.pd.PdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The start-up wait against an in-process PD whose answers the test changes as the "cluster" comes up. */
class ClusterReadinessTest {
    private static final String PD = "pd-readiness:2379";
    private static final Set<String> STORES = Set.of("s1:20160", "s2:20161", "s3:20162");

    /** Virtual time: sleeping moves the clock and lets the fake cluster take its next step. */
    private final class StepClock implements Clock {
        final AtomicLong nowNanos = new AtomicLong();

        @Override
        public long nanoTime() {
            return nowNanos.get();
        }

        @Override
        public void sleep(Duration duration) {
            nowNanos.addAndGet(duration.toNanos());
            pd.step();
        }

        @Override
        public void waitOn(Object monitor, long deadlineNanos) {
            throw new UnsupportedOperationException("the readiness wait sleeps; it never waits on a monitor");
        }
    }

    /** A PD that learns one more thing about the cluster per step. */
    private static final class GrowingPd extends PDGrpc.PDImplBase {
        final List<Metapb.Store> stores = new ArrayList<>();
        volatile Metapb.Region region;
        volatile Metapb.Peer leader = Metapb.Peer.getDefaultInstance();
        final AtomicInteger steps = new AtomicInteger();

        synchronized void step() {
            int n = steps.incrementAndGet();
            if (n <= 3) {
                stores.add(Metapb.Store.newBuilder()
                        .setId(n)
                        .setAddress("s" + n + ":2016" + (n - 1))
                        .build());
            } else if (n <= 6) {
                Metapb.Region.Builder r = Metapb.Region.newBuilder().setId(2);
                for (int i = 1; i <= n - 3; i++) {
                    r.addPeers(Metapb.Peer.newBuilder().setId(10 + i).setStoreId(i));
                }
                region = r.build();
            } else {
                leader = region.getPeers(0);
            }
        }

        private static Pdpb.ResponseHeader header() {
            return Pdpb.ResponseHeader.newBuilder().setClusterId(1).build();
        }

        @Override
        public void getMembers(Pdpb.GetMembersRequest request, StreamObserver<Pdpb.GetMembersResponse> out) {
            Pdpb.Member me = Pdpb.Member.newBuilder()
                    .setName("pd")
                    .addClientUrls("http://" + PD)
                    .build();
            out.onNext(Pdpb.GetMembersResponse.newBuilder()
                    .setHeader(header())
                    .setLeader(me)
                    .addMembers(me)
                    .build());
            out.onCompleted();
        }

        @Override
        public synchronized void getAllStores(
                Pdpb.GetAllStoresRequest request, StreamObserver<Pdpb.GetAllStoresResponse> out) {
            out.onNext(Pdpb.GetAllStoresResponse.newBuilder()
                    .setHeader(header())
                    .addAllStores(stores)
                    .build());
            out.onCompleted();
        }

        @Override
        public void getRegion(Pdpb.GetRegionRequest request, StreamObserver<Pdpb.GetRegionResponse> out) {
            Pdpb.GetRegionResponse.Builder response = Pdpb.GetRegionResponse.newBuilder();
            if (region == null) {
                response.setHeader(header().toBuilder()
                        .setError(Pdpb.Error.newBuilder()
                                .setType(Pdpb.ErrorType.REGION_NOT_FOUND)
                                .setMessage("not bootstrapped")));
            } else {
                response.setHeader(header()).setRegion(region).setLeader(leader);
            }
            out.onNext(response.build());
            out.onCompleted();
        }
    }

    private GrowingPd pd;
    private Server server;
    private StepClock clock;
    private ClusterReadiness readiness;

    @BeforeEach
    void setUp() throws Exception {
        pd = new GrowingPd();
        server = InProcessServerBuilder.forName(PD)
                .directExecutor()
                .addService(pd)
                .build()
                .start();
        clock = new StepClock();
        readiness = new ClusterReadiness(
                config -> PdClient.connect(
                        config,
                        address -> InProcessChannelBuilder.forName(address)
                                .directExecutor()
                                .build(),
                        clock),
                clock);
    }

    @AfterEach
    void tearDown() {
        server.shutdownNow();
    }

    @Test
    void waitsForEveryStoreThenAFullyReplicatedLedFirstRegion() throws Exception {
        assertThat(readiness.probe(PD, STORES, 3))
                .isEqualTo(new ClusterReadiness.NotYet(
                        "0 of 3 stores registered (waiting for s1:20160, s2:20161, s3:20162)"));

        ClusterReadiness.Serving serving = readiness.await(PD, STORES, 3, Duration.ofMinutes(1), List::of);

        assertThat(pd.steps.get()).isEqualTo(7);
        assertThat(serving.storeIds())
                .containsEntry("s1:20160", 1L)
                .containsEntry("s3:20162", 3L)
                .hasSize(3);
        assertThat(serving.firstRegion().region().getPeersCount()).isEqualTo(3);
        assertThat(serving.firstRegion().leader().getStoreId()).isEqualTo(1);
    }

    @Test
    void saysWhatIsMissingAtEachStage() {
        for (int i = 0; i < 3; i++) {
            pd.step();
        }
        assertThat(readiness.probe(PD, STORES, 3))
                .isEqualTo(new ClusterReadiness.NotYet("no region yet (the cluster is not bootstrapped)"));
        pd.step();
        assertThat(readiness.probe(PD, STORES, 3))
                .isEqualTo(new ClusterReadiness.NotYet("region 2 has 1 of 3 replicas"));
        pd.step();
        pd.step();
        assertThat(readiness.probe(PD, STORES, 3)).isEqualTo(new ClusterReadiness.NotYet("region 2 has no leader yet"));
    }

    @Test
    void givesUpAtTheDeadlineWithTheLastReason() {
        assertThatThrownBy(() -> readiness.await(PD, Set.of("elsewhere:1"), 3, Duration.ofSeconds(1), List::of))
                .isInstanceOf(ClusterReadiness.NotServingException.class)
                .hasMessageContaining("did not serve within PT1S")
                .hasMessageContaining("waiting for elsewhere:1");
    }

    @Test
    void givesUpAtOnceWhenAChildExited() {
        assertThatThrownBy(() -> readiness.await(
                        PD, STORES, 3, Duration.ofMinutes(1), () -> List.of("store2 (exit code 1, log store2.log)")))
                .isInstanceOf(ClusterReadiness.NotServingException.class)
                .hasMessageContaining("store2 (exit code 1, log store2.log)");
        assertThat(pd.steps.get()).isZero();
    }

    @Test
    void anUnreachableSchedulerIsNotYetServing() {
        server.shutdownNow();
        assertThat(readiness.probe(PD, STORES, 3))
                .isInstanceOfSatisfying(
                        ClusterReadiness.NotYet.class,
                        notYet -> assertThat(notYet.reason()).startsWith("scheduler at " + PD + " not answering: "));
    }
}
