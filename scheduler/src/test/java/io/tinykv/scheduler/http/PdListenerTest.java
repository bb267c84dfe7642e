package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.MetaStore;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerPauses;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's connection handling with short limits: silent and idle connections are closed,
 * and stopping the server closes kept-alive HTTP connections instead of waiting on them.
 */
class PdListenerTest {

    private static final int WAIT_MILLIS = 30_000;
    /** Longer than every wait here: what closes a connection in a test with it is something else. */
    private static final Duration NEVER = Duration.ofMillis(4L * WAIT_MILLIS);

    private static final Duration SHORT = Duration.ofMillis(200);

    @TempDir
    Path dir;

    private MetaStore meta;
    private ExecutorService executor;
    private Server server;

    private void start(Duration detectTimeout, Duration idleTimeout) throws IOException {
        start(detectTimeout, idleTimeout, NEVER);
    }

    private void start(Duration detectTimeout, Duration idleTimeout, Duration grpcHandshakeTimeout) throws IOException {
        start(new HttpLimits(detectTimeout, idleTimeout, 4096, 4096, 1024, 1, 16), grpcHandshakeTimeout);
    }

    private void start(HttpLimits limits, Duration grpcHandshakeTimeout) throws IOException {
        meta = MetaStore.open(dir);
        SchedulerConfig config = SchedulerConfig.defaults(dir);
        ClusterMeta cluster = ClusterMeta.load(meta, 0, new SplittableRandom(1), 1_000, 2_000);
        PdHttpApi api =
                new PdHttpApi(new PdViews(cluster, config, () -> null, "v0"), new SchedulerPauses(() -> 0), () -> 0);
        executor = PdHttpExecutor.bounded(limits, "test-http-");
        HealthStatusManager health = new HealthStatusManager();
        server = PdListener.serverBuilder(new InetSocketAddress("127.0.0.1", 0), api, executor, limits)
                .handshakeTimeout(grpcHandshakeTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .addService(health.getHealthService())
                .build()
                .start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server == null) {
            return;
        }
        server.shutdownNow().awaitTermination(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        executor.shutdownNow();
        meta.close();
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.getPort()), WAIT_MILLIS);
        s.setSoTimeout(WAIT_MILLIS);
        return s;
    }

    @Test
    void aConnectionThatSaysNothingIsClosedAfterTheDetectTimeout() throws IOException {
        start(SHORT, NEVER);
        try (Socket s = connect()) {
            assertThat(s.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        }
    }

    @Test
    void anIdleHttpConnectionIsClosedAfterTheIdleTimeout() throws IOException {
        start(NEVER, SHORT);
        try (Socket s = connect()) {
            s.getOutputStream()
                    .write("GET /pd/api/v1/checker/replica HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = readUntilClosed(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("{\"paused\":false}");
        }
    }

    /**
     * gRPC gives every connection its handshake timeout to complete HTTP/2 negotiation, which an
     * HTTP/1.1 connection never does: it is then closed, between requests, not failed.
     */
    @Test
    void grpcsHandshakeTimeoutClosesAnHttpConnectionBetweenRequests() throws IOException {
        start(NEVER, NEVER, SHORT);
        try (Socket s = connect()) {
            s.getOutputStream()
                    .write("GET /pd/api/v1/checker/replica HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            String answer = readUntilClosed(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 200 OK").endsWith("{\"paused\":false}");
        }
    }

    @Test
    void aBodyOverTheLimitIsRefused() throws IOException {
        start(NEVER, NEVER);
        try (Socket s = connect()) {
            s.getOutputStream()
                    .write(("POST /pd/api/v1/checker/replica HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(new byte[4096]);
            byte[] head = new byte[13];
            assertThat(s.getInputStream().readNBytes(head, 0, head.length)).isEqualTo(head.length);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 413 ");
        }
    }

    @Test
    void grpcWorksOnTheSamePortAndStoppingClosesKeptAliveHttpConnections() throws Exception {
        start(NEVER, NEVER);
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .usePlaintext()
                .build();
        try (Socket s = connect()) {
            HealthCheckResponse health = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_MILLIS, TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            s.getOutputStream()
                    .write("GET /pd/api/v1/checker/merge HTTP/1.1\r\nHost: x\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            byte[] head = new byte[15];
            assertThat(s.getInputStream().readNBytes(head, 0, head.length)).isEqualTo(head.length);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK");
            server.shutdown();
            assertThat(server.awaitTermination(WAIT_MILLIS, TimeUnit.MILLISECONDS))
                    .isTrue();
            readUntilClosed(s.getInputStream());
        } finally {
            channel.shutdownNow().awaitTermination(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * With every answering thread taken and the queue full, a request is answered 503 with
     * Retry-After at once, and the connection stays open: the same request succeeds once the
     * threads are free again.
     */
    @Test
    void aRequestBeyondTheQueueIsAnsweredBusyAndTheConnectionStaysUsable() throws Exception {
        int threads = 2;
        int queued = 3;
        start(new HttpLimits(NEVER, NEVER, 4096, 4096, 1024, threads, queued), NEVER);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(threads);
        CountDownLatch drained = new CountDownLatch(threads + queued);
        for (int i = 0; i < threads + queued; i++) {
            executor.execute(() -> {
                running.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    drained.countDown();
                }
            });
        }
        assertThat(running.await(WAIT_MILLIS, TimeUnit.MILLISECONDS))
                .as("every thread taken")
                .isTrue();
        try (Socket s = connect()) {
            byte[] request =
                    "GET /pd/api/v1/checker/replica HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(request);
            String busy = readOneResponse(s.getInputStream());
            assertThat(busy)
                    .startsWith("HTTP/1.1 503 ")
                    .containsIgnoringCase("retry-after: 1")
                    .contains("busy")
                    .doesNotContainIgnoringCase("connection: close");
            release.countDown();
            // Once the blocking tasks are done the queue is empty (before that, a request read at
            // once could still find it full).
            assertThat(drained.await(WAIT_MILLIS, TimeUnit.MILLISECONDS))
                    .as("the threads are free")
                    .isTrue();
            s.getOutputStream().write(request);
            assertThat(readOneResponse(s.getInputStream()))
                    .startsWith("HTTP/1.1 200 OK")
                    .endsWith("{\"paused\":false}");
        } finally {
            release.countDown();
        }
    }

    /** Reads one response of a kept-alive connection: the head, then Content-Length bytes of body. */
    private static String readOneResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            assertThat(b)
                    .as("the connection ended inside a response head: %s", head)
                    .isNotNegative();
            head.append((char) b);
        }
        Matcher length = Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        assertThat(length.find()).as("Content-Length in %s", head).isTrue();
        byte[] body = in.readNBytes(Integer.parseInt(length.group(1)));
        return head + new String(body, StandardCharsets.UTF_8);
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
}
