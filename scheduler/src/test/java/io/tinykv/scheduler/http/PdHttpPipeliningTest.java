package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Server;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.MetaStore;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerPauses;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipelined requests on one real connection are answered in request order with several HTTP
 * threads, even when the first is slow and the last closes the connection: the last answer must not
 * go out (and close the connection) before the first.
 */
class PdHttpPipeliningTest {

    private static final int WAIT_MILLIS = 30_000;
    private static final Duration NEVER = Duration.ofMillis(4L * WAIT_MILLIS);
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    private MetaStore meta;
    private ExecutorService threads;
    /** One event loop for the listener and every connection: a task on it runs after the reads before it. */
    private EventLoopGroup loop;

    private Server server;

    /** The HTTP threads, counting what they were handed and releasing a permit per task finished. */
    private final AtomicInteger handedOver = new AtomicInteger();

    private final Semaphore finished = new Semaphore(0);

    private void start(Supplier<Pdpb.Member> member) throws IOException {
        meta = MetaStore.open(dir);
        ClusterMeta cluster = ClusterMeta.load(meta, 0, new SplittableRandom(1), 1_000, 2_000);
        PdHttpApi api = new PdHttpApi(
                new PdViews(cluster, SchedulerConfig.defaults(dir), member, "v0"),
                new SchedulerPauses(() -> 0),
                () -> 0);
        HttpLimits limits = new HttpLimits(NEVER, NEVER, 4096, 4096, 1024, THREADS, 16);
        threads = PdHttpExecutor.bounded(limits, "test-http-");
        Executor counting = task -> {
            handedOver.incrementAndGet();
            threads.execute(() -> {
                try {
                    task.run();
                } finally {
                    finished.release();
                }
            });
        };
        loop = new NioEventLoopGroup(1);
        server = PdListener.serverBuilder(new InetSocketAddress("127.0.0.1", 0), api, counting, limits)
                .bossEventLoopGroup(loop)
                .workerEventLoopGroup(loop)
                .channelType(NioServerSocketChannel.class)
                .build()
                .start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server == null) {
            return;
        }
        server.shutdownNow().awaitTermination(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        threads.shutdownNow();
        loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).await(WAIT_MILLIS);
        meta.close();
    }

    /**
     * Runs nothing on the event loop and waits for it: what the loop was doing before is done. The
     * loop must never wait for an answer being computed (it carries gRPC, and thus TSO, too).
     */
    private void afterTheEventLoop() throws Exception {
        try {
            loop.submit(() -> {}).get(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the event loop is held up, by the slow answer being computed on it", e);
        }
    }

    @Test
    void aSlowFirstAnswerLeavesBeforeTheFastSecondThatClosesTheConnection() throws Exception {
        CountDownLatch slowEntered = new CountDownLatch(1);
        CountDownLatch releaseSlow = new CountDownLatch(1);
        Pdpb.Member self = Pdpb.Member.newBuilder()
                .setName("pd")
                .setMemberId(1)
                .addClientUrls("http://127.0.0.1:1")
                .build();
        start(() -> {
            slowEntered.countDown();
            try {
                releaseSlow.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return self;
        });
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.getPort()), WAIT_MILLIS);
            s.setSoTimeout(WAIT_MILLIS);
            s.getOutputStream()
                    .write(("GET /pd/api/v1/members HTTP/1.1\r\nHost: x\r\n\r\n"
                                    + "GET /pd/api/v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            assertThat(slowEntered.await(WAIT_MILLIS, TimeUnit.MILLISECONDS))
                    .as("the first request is answering")
                    .isTrue();
            // The read that brought both requests is over; whatever else went to the HTTP threads
            // (without ordering: the second request) has finished and handed its answer to the
            // event loop, which has written it.
            afterTheEventLoop();
            assertThat(finished.tryAcquire(handedOver.get() - 1, WAIT_MILLIS, TimeUnit.MILLISECONDS))
                    .isTrue();
            afterTheEventLoop();
            releaseSlow.countDown();

            String answers = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(answers.split("HTTP/1.1 200 OK", -1)).as(answers).hasSize(3);
            assertThat(answers.indexOf("\"members\""))
                    .as(answers)
                    .isNotNegative()
                    .isLessThan(answers.indexOf("\"version\":\"v0\""));
        } finally {
            releaseSlow.countDown();
        }
    }
}
