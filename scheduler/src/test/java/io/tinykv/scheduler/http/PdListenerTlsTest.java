package io.tinykv.scheduler.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import io.tinykv.scheduler.ClusterMeta;
import io.tinykv.scheduler.MetaStore;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerPauses;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.TestCertificates;
import io.tinykv.security.TlsCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler's client port under mutual TLS: PD's HTTP API answers HTTPS to a client certificate
 * of the cluster's CA, next to gRPC over TLS on the same port; plaintext (HTTP and gRPC), no client
 * certificate, a certificate of another CA and a common name outside {@code cert-allowed-cn} are
 * refused in the handshake. Certificates are made by the test.
 */
class PdListenerTlsTest {

    private static final int WAIT_MILLIS = 30_000;
    private static final String SERVER_CN = "tinykv-store";
    private static final String CLIENT_CN = "tinykv-client";
    private static final String CHECKER = "/pd/api/v1/checker/replica";

    @TempDir
    Path dir;

    private MetaStore meta;
    private ExecutorService executor;
    private Server server;
    private TestCertificates.Authority ca;
    private SecurityConfig client;
    /** The certificate of the last gRPC call's caller, as the call's transport attributes carry it. */
    private final AtomicReference<String> grpcCaller = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        ca = TestCertificates.authority("pd listener test CA");
        SecurityConfig serverTls = TestCertificates.write(
                dir.resolve("certs"), "server", ca, ca.issue(SERVER_CN), List.of(SERVER_CN, CLIENT_CN));
        client = TestCertificates.write(dir.resolve("certs"), "client", ca, ca.issue(CLIENT_CN), List.of());
        meta = MetaStore.open(dir.resolve("meta"));
        SchedulerConfig config = SchedulerConfig.defaults(dir);
        ClusterMeta cluster = ClusterMeta.load(meta, 0, new SplittableRandom(1), 1_000, 2_000);
        PdHttpApi api =
                new PdHttpApi(new PdViews(cluster, config, () -> null, "v0"), new SchedulerPauses(() -> 0), () -> 0);
        executor = Executors.newSingleThreadExecutor();
        HealthStatusManager health = new HealthStatusManager();
        server = PdListener.serverBuilder(
                        new InetSocketAddress("127.0.0.1", 0),
                        api,
                        executor,
                        HttpLimits.DEFAULTS,
                        TlsCredentials.of(serverTls).serverCredentials())
                .addService(ServerInterceptors.intercept(health.getHealthService(), new CallerRecorder()))
                .build()
                .start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.shutdownNow().awaitTermination(WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
        if (executor != null) {
            executor.shutdownNow();
        }
        if (meta != null) {
            meta.close();
        }
    }

    @Test
    void httpsWithAClientCertificateOfTheCaIsAnsweredOverHttp11() throws Exception {
        // The JDK's client offers h2 and http/1.1 by default: the port picks http/1.1.
        try (HttpClient https = HttpClient.newBuilder()
                .sslContext(TlsCredentials.of(client).sslContext())
                .build()) {
            HttpResponse<String> r = https.send(
                    get("https://127.0.0.1:" + server.getPort() + CHECKER), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"paused\":false}");
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        }
    }

    @Test
    void grpcOverTlsOnTheSamePortSeesTheCallersCertificate() {
        assertThat(healthCheck(TlsCredentials.of(client).channelCredentials())).isEqualTo(Status.Code.OK);
        assertThat(grpcCaller.get()).startsWith("CN=" + CLIENT_CN);
    }

    @Test
    void plaintextHttpIsRefusedWithoutAnAnswer() throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.getPort()), WAIT_MILLIS);
            s.setSoTimeout(WAIT_MILLIS);
            s.getOutputStream()
                    .write(("GET " + CHECKER + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = readUntilClosed(s.getInputStream());
            assertThat(answer)
                    .as("no HTTP answer to plaintext")
                    .doesNotContain("HTTP/1.1")
                    .doesNotContain("paused");
        }
    }

    @Test
    void plaintextGrpcIsRefused() {
        assertThat(healthCheck(InsecureChannelCredentials.create())).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(grpcCaller.get()).isNull();
    }

    @Test
    void httpsWithoutAClientCertificateIsRefusedInTheHandshake() throws Exception {
        try (HttpClient https =
                HttpClient.newBuilder().sslContext(trustingOnly(ca)).build()) {
            assertThatThrownBy(() -> https.send(
                            get("https://127.0.0.1:" + server.getPort() + CHECKER),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void httpsWithACertificateOfAnotherCaIsRefused() throws Exception {
        TestCertificates.Authority foreign = TestCertificates.authority("foreign CA");
        SecurityConfig stranger =
                TestCertificates.write(dir.resolve("foreign"), "client", foreign, foreign.issue(CLIENT_CN), List.of());
        // Trusts the cluster's CA (the server is genuine) but presents the foreign certificate.
        SecurityConfig mixed = new SecurityConfig(client.caPath(), stranger.certPath(), stranger.keyPath(), List.of());
        try (HttpClient https = HttpClient.newBuilder()
                .sslContext(TlsCredentials.of(mixed).sslContext())
                .build()) {
            assertThatThrownBy(() -> https.send(
                            get("https://127.0.0.1:" + server.getPort() + CHECKER),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
        assertThat(healthCheck(TlsCredentials.of(mixed).channelCredentials())).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void httpsWithACommonNameOutsideCertAllowedCnIsRefused() throws Exception {
        SecurityConfig outsider =
                TestCertificates.write(dir.resolve("outsider"), "client", ca, ca.issue("someone-else"), List.of());
        try (HttpClient https = HttpClient.newBuilder()
                .sslContext(TlsCredentials.of(outsider).sslContext())
                .build()) {
            assertThatThrownBy(() -> https.send(
                            get("https://127.0.0.1:" + server.getPort() + CHECKER),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    private Status.Code healthCheck(ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), credentials)
                .build();
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(WAIT_MILLIS, TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance());
            assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofMillis(WAIT_MILLIS))
                .build();
    }

    /** A TLS context that trusts {@code authority} and holds no certificate of its own. */
    private static SSLContext trustingOnly(TestCertificates.Authority authority) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("ca", authority.self().cert());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private static String readUntilClosed(InputStream in) throws IOException {
        try {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    /** Records the client certificate that gRPC's transport attributes carry for each call. */
    private final class CallerRecorder implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            try {
                Certificate[] chain = session == null ? new Certificate[0] : session.getPeerCertificates();
                grpcCaller.set(
                        chain.length == 0
                                ? "no certificate"
                                : ((X509Certificate) chain[0])
                                        .getSubjectX500Principal()
                                        .getName());
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                grpcCaller.set("unverified");
            }
            return next.startCall(call, headers);
        }
    }
}
