package io.tinykv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsServer;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real handshakes over loopback: a gRPC server and an HTTPS server built from {@link TlsCredentials}
 * admit a client certificate of the CA and refuse plaintext, a foreign CA, a disallowed common name;
 * a rewritten certificate is used without a restart.
 */
class TlsCredentialsTest {

    private static final long DEADLINE_SECONDS = 10;

    @TempDir
    static Path dir;

    static TestCertificates.Authority ca;
    static SecurityConfig server;
    static SecurityConfig client;

    private Server grpc;
    private ManagedChannel channel;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("cluster CA");
        server = TestCertificates.write(dir, "server", ca, ca.issue("tinykv-store"), List.of("tinykv-store", "client"));
        client = TestCertificates.write(dir, "client", ca, ca.issue("client"), List.of());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
        if (grpc != null) {
            grpc.shutdownNow().awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }

    private int serve(TlsCredentials credentials) throws IOException {
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), credentials.serverCredentials())
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        return grpc.getPort();
    }

    private ServingStatus check(int port, ChannelCredentials credentials) throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
        channel = Grpc.newChannelBuilder("127.0.0.1:" + port, credentials).build();
        return HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
    }

    @Test
    void aClientOfTheSameCaIsServed() throws Exception {
        int port = serve(TlsCredentials.of(server));
        assertThat(check(port, TlsCredentials.of(client).channelCredentials())).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void plaintextIsRefused() throws Exception {
        int port = serve(TlsCredentials.of(server));
        assertThatThrownBy(() -> check(port, InsecureChannelCredentials.create()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aCertificateOfAnotherCaIsRefused() throws Exception {
        int port = serve(TlsCredentials.of(server));
        TestCertificates.Authority foreign = TestCertificates.authority("foreign CA");
        SecurityConfig stranger = TestCertificates.write(dir, "stranger", foreign, foreign.issue("client"), List.of());
        // The stranger trusts our CA (so its side of the handshake would pass); ours must refuse it.
        SecurityConfig strangerTrustingUs =
                new SecurityConfig(server.caPath(), stranger.certPath(), stranger.keyPath(), List.of());
        assertThatThrownBy(
                        () -> check(port, TlsCredentials.of(strangerTrustingUs).channelCredentials()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    }

    @Test
    void aCommonNameOutsideCertAllowedCnIsRefused() throws Exception {
        int port = serve(TlsCredentials.of(server));
        SecurityConfig intruder = TestCertificates.write(dir, "intruder", ca, ca.issue("intruder"), List.of());
        assertThatThrownBy(() -> check(port, TlsCredentials.of(intruder).channelCredentials()))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        // The same CA with an allowed name gets in: it was the name that was refused.
        assertThat(check(port, TlsCredentials.of(client).channelCredentials())).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void rotatedCertificatesAreUsedWithoutARestart() throws Exception {
        Path rotating = dir.resolve("rotating");
        SecurityConfig before = TestCertificates.write(rotating, "server", ca, ca.issue("tinykv-store"), List.of());
        AtomicLong clockMillis = new AtomicLong();
        long intervalMillis = 1_000;
        int port = serve(TlsCredentials.of(before, clockMillis::get, intervalMillis));
        TestCertificates.Authority next = TestCertificates.authority("next CA");
        SecurityConfig nextClient = TestCertificates.write(dir, "next-client", next, next.issue("client"), List.of());
        assertThatThrownBy(() -> check(port, TlsCredentials.of(nextClient).channelCredentials()))
                .isInstanceOf(StatusRuntimeException.class);

        // Rotate to the next CA in place: same paths, new contents, a later modification time.
        Files.writeString(
                before.caPath(), TestCertificates.certificatePem(next.self().cert()));
        TestCertificates.Issued rotated = next.issue("tinykv-store");
        Files.writeString(before.certPath(), TestCertificates.certificatePem(rotated.cert()));
        Files.writeString(before.keyPath(), TestCertificates.keyPem(rotated));
        for (Path p : List.of(before.caPath(), before.certPath(), before.keyPath())) {
            Files.setLastModifiedTime(
                    p, FileTime.fromMillis(Files.getLastModifiedTime(p).toMillis() + 10_000));
        }
        clockMillis.addAndGet(intervalMillis);
        assertThat(check(port, TlsCredentials.of(nextClient).channelCredentials()))
                .isEqualTo(ServingStatus.SERVING);
        assertThatThrownBy(() -> check(port, TlsCredentials.of(client).channelCredentials()))
                .isInstanceOf(StatusRuntimeException.class);
    }

    @Test
    void aBrokenRotationKeepsTheLastGoodCertificates() throws Exception {
        Path rotating = dir.resolve("broken");
        SecurityConfig files = TestCertificates.write(rotating, "server", ca, ca.issue("tinykv-store"), List.of());
        AtomicLong clockMillis = new AtomicLong();
        int port = serve(TlsCredentials.of(files, clockMillis::get, 1));
        Files.writeString(files.keyPath(), "half-written");
        clockMillis.addAndGet(1);
        assertThat(check(port, TlsCredentials.of(client).channelCredentials())).isEqualTo(ServingStatus.SERVING);
    }

    @Test
    void statusEndpointServesHttpsToClientCertificatesOnly() throws Exception {
        TlsCredentials credentials = TlsCredentials.of(server);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(credentials.httpsConfigurator());
        https.createContext("/status", exchange -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        https.start();
        try {
            int port = https.getAddress().getPort();
            HttpClient withCert = HttpClient.newBuilder()
                    .sslContext(TlsCredentials.of(client).sslContext())
                    .connectTimeout(Duration.ofSeconds(DEADLINE_SECONDS))
                    .build();
            HttpResponse<String> ok = withCert.send(
                    HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/status"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.body()).isEqualTo("ok");

            HttpClient plain = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(DEADLINE_SECONDS))
                    .build();
            assertThatThrownBy(() -> plain.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                                    .timeout(Duration.ofSeconds(DEADLINE_SECONDS))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        } finally {
            https.stop(0);
        }
    }
}
