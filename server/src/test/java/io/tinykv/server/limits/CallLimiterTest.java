package io.tinykv.server.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Calls beyond the limit are answered server_is_busy at once; finished calls give their permit back. */
class CallLimiterTest {

    private static final int LIMIT = 2;
    private static final Duration DEADLINE = Duration.ofSeconds(10);

    private final Semaphore entered = new Semaphore(0);
    private final CountDownLatch release = new CountDownLatch(1);
    private final CallLimiter limiter = new CallLimiter(LIMIT);
    private Server server;
    private ManagedChannel channel;

    /** RawGet waits until the test releases it; everything else is unimplemented. */
    private final class BlockingTikv extends TikvGrpc.TikvImplBase {
        @Override
        public void rawGet(Kvrpcpb.RawGetRequest request, StreamObserver<Kvrpcpb.RawGetResponse> out) {
            entered.release();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.onNext(Kvrpcpb.RawGetResponse.newBuilder().setNotFound(true).build());
            out.onCompleted();
        }
    }

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .executor(ServerExecutor.bounded(LIMIT, "limiter-test-"))
                .addService(ServerInterceptors.intercept(new BlockingTikv(), limiter))
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void callsBeyondTheLimitAreAnsweredBusyUntilAPermitIsFree() throws Exception {
        TikvGrpc.TikvFutureStub async = TikvGrpc.newFutureStub(channel);
        TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(channel);
        ListenableFuture<Kvrpcpb.RawGetResponse> first = async.rawGet(Kvrpcpb.RawGetRequest.getDefaultInstance());
        ListenableFuture<Kvrpcpb.RawGetResponse> second = async.rawGet(Kvrpcpb.RawGetRequest.getDefaultInstance());
        assertThat(entered.tryAcquire(LIMIT, DEADLINE.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();

        Kvrpcpb.RawGetResponse busy = tikv.rawGet(Kvrpcpb.RawGetRequest.getDefaultInstance());
        assertThat(busy.getRegionError().hasServerIsBusy()).isTrue();
        assertThat(tikv.kvScan(Kvrpcpb.ScanRequest.getDefaultInstance())
                        .getRegionError()
                        .hasServerIsBusy())
                .as("every kvproto response carries it")
                .isTrue();
        assertThat(limiter.refused()).isEqualTo(2);
        assertThat(HealthGrpc.newBlockingStub(channel)
                        .check(HealthCheckRequest.getDefaultInstance())
                        .getStatus())
                .as("services outside the limiter keep answering (and find a thread)")
                .isNotNull();

        release.countDown();
        assertThat(first.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).getNotFound())
                .isTrue();
        assertThat(second.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).getNotFound())
                .isTrue();
        Await.until(() -> limiter.active() == 0, DEADLINE, "permits given back");
        assertThat(tikv.rawGet(Kvrpcpb.RawGetRequest.getDefaultInstance()).getNotFound())
                .isTrue();
        // An unimplemented method is closed by gRPC itself: its permit comes back too.
        assertThatThrownBy(() -> tikv.kvGet(Kvrpcpb.GetRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        Await.until(() -> limiter.active() == 0, DEADLINE, "permits given back");
    }
}
