package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.RaftServerpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.raftstore.transport.grpc.ClusterIdHeader;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.TestCertificates;
import io.tinykv.security.TlsCredentials;
import io.tinykv.server.Main;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiConfiguration;
import org.tikv.common.TiSession;
import org.tikv.common.util.ConcreteBackOffer;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;
import org.tikv.txn.TwoPhaseCommitter;
import picocli.CommandLine;

/**
 * A cluster with mutual TLS ({@code [security]} given to the scheduler and three stores as flags)
 * against the official TiKV Java client configured with TLS, our {@code ctl}, and intruders: a
 * plaintext client, a certificate from another CA, a certificate of the CA with a common name
 * outside {@code cert-allowed-cn}. The status endpoints answer HTTPS with a client certificate only.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TlsClusterCompatTest {

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofSeconds(180);
    private static final long CALL_DEADLINE_SECONDS = 10;
    private static final long LOADED_CTL_DEADLINE_MS = 30_000;
    private static final long RPC_TIMEOUT_MILLIS = 5_000;
    private static final int HEALTH_CHECK_TIMEOUT_MILLIS = 2_000;
    private static final int OPERATION_TIMEOUT_MILLIS = 20_000;
    private static final long LOCK_TTL_MILLIS = 3_000;
    private static final int BACKOFF_MILLIS = 20_000;
    private static final String STORE_CN = "tinykv-store";
    private static final String CLIENT_CN = "tinykv-client";

    @TempDir
    static Path dir;

    static TestCertificates.Authority ca;
    /** The scheduler's and the stores' certificate; they admit the store and client names only. */
    static SecurityConfig store;

    static SecurityConfig client;
    static LocalCluster cluster;

    @BeforeAll
    static void startTlsCluster() throws InterruptedException {
        ca = TestCertificates.authority("tinykv test CA");
        Path certs = dir.resolve("certs");
        store = TestCertificates.write(certs, "store", ca, ca.issue(STORE_CN), List.of(STORE_CN, CLIENT_CN));
        client = TestCertificates.write(certs, "client", ca, ca.issue(CLIENT_CN), List.of());
        cluster = LocalCluster.startWithTls(dir.resolve("cluster"), STORES, store);
        cluster.awaitServing(STARTUP);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The official client's TLS settings: trust collection, certificate chain, PKCS#8 key. */
    private static TiConfiguration tikvClientConfig(SecurityConfig tls) {
        TiConfiguration conf = TiConfiguration.createRawDefault(cluster.pdAddress());
        conf.setTlsEnable(true);
        conf.setTrustCertCollectionFile(tls.caPath().toString());
        conf.setKeyCertChainFile(tls.certPath().toString());
        conf.setKeyFile(tls.keyPath().toString());
        conf.setTimeout(RPC_TIMEOUT_MILLIS);
        conf.setGrpcHealthCheckTimeout(HEALTH_CHECK_TIMEOUT_MILLIS);
        conf.setRawKVWriteTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVReadTimeoutInMS(OPERATION_TIMEOUT_MILLIS);
        return conf;
    }

    @Test
    void theTikvClientWithTlsWritesReadsAndCommitsATransaction() throws Exception {
        try (TiSession session = TiSession.create(tikvClientConfig(client));
                RawKVClient raw = session.createRawClient()) {
            raw.put(ByteString.copyFromUtf8("tls-raw"), ByteString.copyFromUtf8("over mTLS"));
            assertThat(raw.get(ByteString.copyFromUtf8("tls-raw"))).contains(ByteString.copyFromUtf8("over mTLS"));

            // Percolator through the client's own two-phase committer: prewrite, commit, read back.
            byte[] key = "tls-txn".getBytes(StandardCharsets.UTF_8);
            byte[] value = "committed over mTLS".getBytes(StandardCharsets.UTF_8);
            long startTs = session.getTimestamp().getVersion();
            long clusterId = session.getPDClient().getClusterId();
            try (TwoPhaseCommitter committer = new TwoPhaseCommitter(session, startTs, LOCK_TTL_MILLIS)) {
                committer.prewritePrimaryKey(ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId), key, value);
                long commitTs = session.getTimestamp().getVersion();
                committer.commitPrimaryKey(
                        ConcreteBackOffer.newCustomBackOff(BACKOFF_MILLIS, clusterId), key, commitTs);
            }
            try (KVClient kv = session.createKVClient()) {
                assertThat(kv.get(
                                        ByteString.copyFrom(key),
                                        session.getTimestamp().getVersion())
                                .toByteArray())
                        .isEqualTo(value);
            }
        }
    }

    @Test
    void aClientCertificateOfTheClusterCaIsServedOnEveryPort() {
        ChannelCredentials tls = TlsCredentials.of(client).channelCredentials();
        assertThat(schedulerCall(tls)).isEqualTo(Status.Code.OK);
        for (int i = 1; i <= STORES; i++) {
            assertThat(storeCall(cluster.storeAddress(i), tls)).isEqualTo(Status.Code.OK);
        }
    }

    @Test
    void plaintextIsRefusedEverywhere() {
        ChannelCredentials plaintext = InsecureChannelCredentials.create();
        assertThat(schedulerCall(plaintext)).isEqualTo(Status.Code.UNAVAILABLE);
        for (int i = 1; i <= STORES; i++) {
            assertThat(storeCall(cluster.storeAddress(i), plaintext)).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(peerCall(cluster.storePeerAddress(i), plaintext)).isEqualTo(Status.Code.UNAVAILABLE);
        }
    }

    /**
     * A client certificate (of the cluster's CA, a CN in cert-allowed-cn) reaches the client API but not
     * the store-to-store service, nor the scheduler's store calls: those take store certificates only.
     */
    @Test
    void aClientCertificateIsRefusedOnThePeerServiceAndOnTheSchedulersStoreCalls() {
        ChannelCredentials asClient = TlsCredentials.of(client).channelCredentials();
        assertThat(schedulerCall(asClient)).isEqualTo(Status.Code.OK);
        for (int i = 1; i <= STORES; i++) {
            assertThat(peerCall(cluster.storePeerAddress(i), asClient))
                    .as("store %d's peer port", i)
                    .isEqualTo(Status.Code.PERMISSION_DENIED);
        }
        withPd(asClient, pd -> {
            Pdpb.RequestHeader header = clusterHeader(pd);
            for (Runnable storeCall : List.<Runnable>of(
                    () -> pd.allocID(
                            Pdpb.AllocIDRequest.newBuilder().setHeader(header).build()),
                    () -> pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                            .setHeader(header)
                            .setStore(firstStore(pd).toBuilder().setAddress("127.0.0.1:1"))
                            .build()),
                    () -> pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                            .setHeader(header)
                            .setStats(Pdpb.StoreStats.newBuilder()
                                    .setStoreId(firstStore(pd).getId()))
                            .build()),
                    () -> pd.askBatchSplit(Pdpb.AskBatchSplitRequest.newBuilder()
                            .setHeader(header)
                            .setSplitCount(1)
                            .build()))) {
                assertThatThrownBy(storeCall::run)
                        .isInstanceOfSatisfying(
                                StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
            }
            // The store's address is untouched.
            assertThat(firstStore(pd).getAddress()).isNotEqualTo("127.0.0.1:1");
        });
        // A store's certificate passes the same gate.
        withPd(
                TlsCredentials.of(store).channelCredentials(),
                pd -> assertThat(pd.allocID(Pdpb.AllocIDRequest.newBuilder()
                                        .setHeader(clusterHeader(pd))
                                        .build())
                                .getId())
                        .isPositive());
    }

    /** A store certificate of another identity (same CN, another subject) cannot speak for a registered store. */
    @Test
    void aStoreIdIsBoundToTheCertificateThatRegisteredIt() {
        SecurityConfig other = TestCertificates.write(
                dir.resolve("other-store"), "other-store", ca, ca.issue(STORE_CN + ", O=another store"), List.of());
        withPd(TlsCredentials.of(other).channelCredentials(), pd -> {
            Pdpb.RequestHeader header = clusterHeader(pd);
            Metapb.Store victim = firstStore(pd);
            Pdpb.PutStoreResponse moved = pd.putStore(Pdpb.PutStoreRequest.newBuilder()
                    .setHeader(header)
                    .setStore(victim.toBuilder().setAddress("127.0.0.1:1"))
                    .build());
            assertThat(moved.getHeader().getError().getMessage()).contains("bound to another certificate");
            Pdpb.StoreHeartbeatResponse beat = pd.storeHeartbeat(Pdpb.StoreHeartbeatRequest.newBuilder()
                    .setHeader(header)
                    .setStats(Pdpb.StoreStats.newBuilder().setStoreId(victim.getId()))
                    .build());
            assertThat(beat.getHeader().getError().getMessage()).contains("bound to another certificate");
            assertThat(firstStore(pd).getAddress()).isEqualTo(victim.getAddress());
        });
    }

    @Test
    void aCertificateOfAnotherCaIsRefused() {
        TestCertificates.Authority foreign = TestCertificates.authority("foreign CA");
        SecurityConfig stranger =
                TestCertificates.write(dir.resolve("foreign"), "client", foreign, foreign.issue(CLIENT_CN), List.of());
        // It trusts the cluster's CA, so only the cluster's side can be what refuses it.
        ChannelCredentials credentials = TlsCredentials.of(
                        new SecurityConfig(store.caPath(), stranger.certPath(), stranger.keyPath(), List.of()))
                .channelCredentials();
        assertThat(schedulerCall(credentials)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(storeCall(cluster.storeAddress(1), credentials)).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void aCommonNameOutsideCertAllowedCnIsRefused() {
        SecurityConfig intruder =
                TestCertificates.write(dir.resolve("intruder"), "intruder", ca, ca.issue("intruder"), List.of());
        ChannelCredentials credentials = TlsCredentials.of(intruder).channelCredentials();
        assertThat(schedulerCall(credentials)).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(storeCall(cluster.storeAddress(1), credentials)).isEqualTo(Status.Code.UNAVAILABLE);
        // The official client with that certificate cannot reach PD either.
        assertThatThrownBy(() -> {
                    try (TiSession session = TiSession.create(tikvClientConfig(intruder));
                            RawKVClient raw = session.createRawClient()) {
                        raw.get(ByteString.copyFromUtf8("tls-raw"));
                    }
                })
                .isInstanceOf(Exception.class);
    }

    @Test
    void ctlTakesTheTlsOptions() {
        List<String> tls = tlsWithLoadedDeadline();
        Ctl put = ctl(tls, "put", "tls-ctl", "from ctl");
        assertThat(put.exitCode()).as(put.out()).isZero();
        Ctl get = ctl(tls, "get", "tls-ctl");
        assertThat(get.exitCode()).as(get.out()).isZero();
        assertThat(get.out()).contains("from ctl");

        Ctl plaintext = ctl(List.of("--timeout-ms", "2000", "--backoff-budget-ms", "0"), "get", "tls-ctl");
        assertThat(plaintext.exitCode()).isNotZero();
        assertThat(plaintext.out()).doesNotContain("from ctl");
    }

    /**
     * PD's HTTP API on the PD address answers HTTPS to a client certificate of the CA (the JDK's
     * client offers h2 and http/1.1; the port picks http/1.1), and {@code ctl}'s cluster commands go
     * over it with the TLS options; plain HTTP gets no answer.
     */
    @Test
    void pdsHttpApiAnswersHttpsOnThePdAddressWithAClientCertificateOnly() throws Exception {
        try (HttpClient withCert = HttpClient.newBuilder()
                        .sslContext(TlsCredentials.of(client).sslContext())
                        .connectTimeout(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
                        .build();
                HttpClient plain = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
                        .build()) {
            HttpResponse<String> stores = withCert.send(
                    get("https://" + cluster.pdAddress() + "/pd/api/v1/stores"), HttpResponse.BodyHandlers.ofString());
            assertThat(stores.statusCode()).as(stores.body()).isEqualTo(200);
            assertThat(stores.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(stores.body()).contains("\"count\":" + STORES);
            assertThatThrownBy(() -> plain.send(
                            get("http://" + cluster.pdAddress() + "/pd/api/v1/stores"),
                            HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
        Ctl show = ctl(tlsWithLoadedDeadline(), "scheduler", "show");
        assertThat(show.exitCode()).as(show.out()).isZero();
        assertThat(show.out()).contains("running");
    }

    /**
     * The official client reaches PD's HTTP API only for its checker helpers, in plain HTTP and without
     * a client certificate (as against PD with TLS): under mutual TLS they are refused, the client
     * reports "no answer" (null) and everything else it does keeps working.
     */
    @Test
    void theTikvClientsPlaintextCheckerCallsAreRefusedAndTheClientKeepsWorking() throws Exception {
        try (TiSession session = TiSession.create(tikvClientConfig(client));
                RawKVClient raw = session.createRawClient()) {
            assertThat(session.getPDClient().isCheckerPaused(org.tikv.common.PDChecker.Replica))
                    .as("the client's plain HTTP call to the TLS port")
                    .isNull();
            raw.put(ByteString.copyFromUtf8("tls-after-checker"), ByteString.copyFromUtf8("still served"));
            assertThat(raw.get(ByteString.copyFromUtf8("tls-after-checker")))
                    .contains(ByteString.copyFromUtf8("still served"));
        }
    }

    @Test
    void statusEndpointsAnswerHttpsWithAClientCertificateOnly() throws Exception {
        HttpClient withCert = HttpClient.newBuilder()
                .sslContext(TlsCredentials.of(client).sslContext())
                .connectTimeout(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
                .build();
        for (String address : List.of(cluster.storeStatusAddress(1), cluster.schedulerStatusAddress())) {
            HttpResponse<String> metrics =
                    withCert.send(get("https://" + address + "/metrics"), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).as(address).isEqualTo(200);
            assertThat(metrics.body()).as(address).contains("# TYPE");

            HttpClient plain = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
                    .build();
            assertThatThrownBy(() ->
                            plain.send(get("http://" + address + "/metrics"), HttpResponse.BodyHandlers.ofString()))
                    .as(address)
                    .isInstanceOf(IOException.class);
        }
        // HTTPS with a certificate the cluster does not trust: refused in the handshake.
        TestCertificates.Authority foreign = TestCertificates.authority("foreign status CA");
        SecurityConfig stranger = TestCertificates.write(
                dir.resolve("foreign-status"), "client", foreign, foreign.issue(CLIENT_CN), List.of());
        HttpClient strangerClient = HttpClient.newBuilder()
                .sslContext(TlsCredentials.of(
                                new SecurityConfig(store.caPath(), stranger.certPath(), stranger.keyPath(), List.of()))
                        .sslContext())
                .build();
        assertThatThrownBy(() -> strangerClient.send(
                        get("https://" + cluster.storeStatusAddress(1) + "/metrics"),
                        HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    /**
     * The status page's request charts under TLS: the scheduler reads the stores' {@code /metrics}
     * over HTTPS with its own certificate, so a sample shows requests per second for a store while
     * the TiKV client writes.
     */
    @Test
    void theStatusPagesChartsScrapeTheStoresOverHttps() throws Exception {
        ObjectMapper json = new ObjectMapper();
        try (HttpClient withCert = HttpClient.newBuilder()
                        .sslContext(TlsCredentials.of(client).sslContext())
                        .connectTimeout(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
                        .build();
                TiSession session = TiSession.create(tikvClientConfig(client));
                RawKVClient raw = session.createRawClient()) {
            int[] written = {0};
            Await.until(
                    () -> {
                        raw.put(ByteString.copyFromUtf8("chart-" + written[0]), ByteString.copyFromUtf8("v"));
                        written[0]++;
                        return aChartSampleHasRequests(withCert, json);
                    },
                    STARTUP,
                    () -> "no chart sample with requests after " + written[0] + " writes");
        }
    }

    private static boolean aChartSampleHasRequests(HttpClient https, ObjectMapper json) {
        try {
            HttpResponse<String> history = https.send(
                    get("https://" + cluster.schedulerStatusAddress() + "/api/v1/history"),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
            for (JsonNode sample : json.readTree(history.body()).path("samples")) {
                for (JsonNode store : sample.path("stores")) {
                    if (store.path("ops_per_second").asDouble() > 0) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static HttpRequest get(String url) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(CALL_DEADLINE_SECONDS))
                .build();
    }

    private static Status.Code schedulerCall(ChannelCredentials credentials) {
        ManagedChannel channel =
                Grpc.newChannelBuilder(cluster.pdAddress(), credentials).build();
        try {
            PDGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .getMembers(Pdpb.GetMembersRequest.getDefaultInstance());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    private static void withPd(
            ChannelCredentials credentials, java.util.function.Consumer<PDGrpc.PDBlockingStub> body) {
        ManagedChannel channel =
                Grpc.newChannelBuilder(cluster.pdAddress(), credentials).build();
        try {
            body.accept(PDGrpc.newBlockingStub(channel).withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS));
        } finally {
            channel.shutdownNow();
        }
    }

    private static Pdpb.RequestHeader clusterHeader(PDGrpc.PDBlockingStub pd) {
        return Pdpb.RequestHeader.newBuilder()
                .setClusterId(pd.getMembers(Pdpb.GetMembersRequest.getDefaultInstance())
                        .getHeader()
                        .getClusterId())
                .build();
    }

    private static Metapb.Store firstStore(PDGrpc.PDBlockingStub pd) {
        return pd
                .getAllStores(Pdpb.GetAllStoresRequest.newBuilder()
                        .setHeader(clusterHeader(pd))
                        .build())
                .getStoresList()
                .stream()
                .min(java.util.Comparator.comparingLong(Metapb.Store::getId))
                .orElseThrow();
    }

    /** The cluster's id, as the scheduler tells a client. */
    private static long clusterId() {
        long[] id = new long[1];
        withPd(
                TlsCredentials.of(client).channelCredentials(),
                pd -> id[0] = clusterHeader(pd).getClusterId());
        return id[0];
    }

    /** A BatchRaft stream to a store's peer port carrying the cluster's id: how it ended. */
    private static Status.Code peerCall(String address, ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilder(address, credentials)
                .intercept(ClusterIdHeader.attach(clusterId()))
                .build();
        try {
            java.util.concurrent.CompletableFuture<Status> outcome = new java.util.concurrent.CompletableFuture<>();
            io.grpc.stub.StreamObserver<RaftServerpb.BatchRaftMessage> requests = PeerGrpc.newStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .batchRaft(new io.grpc.stub.StreamObserver<RaftServerpb.Done>() {
                        @Override
                        public void onNext(RaftServerpb.Done value) {}

                        @Override
                        public void onError(Throwable t) {
                            outcome.complete(Status.fromThrowable(t));
                        }

                        @Override
                        public void onCompleted() {
                            outcome.complete(Status.OK);
                        }
                    });
            requests.onCompleted();
            return outcome.get(CALL_DEADLINE_SECONDS * 2, TimeUnit.SECONDS).getCode();
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            channel.shutdownNow();
        }
    }

    private static Status.Code storeCall(String address, ChannelCredentials credentials) {
        ManagedChannel channel = Grpc.newChannelBuilder(address, credentials).build();
        try {
            TikvGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(CALL_DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                            .setKey(com.google.protobuf.ByteString.copyFromUtf8("tls-probe"))
                            .build());
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    private record Ctl(int exitCode, String out) {}

    /**
     * ctl's TLS options, with a per-call deadline a loaded machine meets: ctl's default (5 s) is what an
     * operator at a quiet cluster wants, but a put under TLS on a 2-core machine at load 20 can take
     * longer, and a call past its deadline is not retried (it may have been applied).
     */
    private static List<String> tlsWithLoadedDeadline() {
        return List.of(
                "--ca-path",
                client.caPath().toString(),
                "--cert-path",
                client.certPath().toString(),
                "--key-path",
                client.keyPath().toString(),
                "--timeout-ms",
                Long.toString(LOADED_CTL_DEADLINE_MS));
    }

    private static Ctl ctl(List<String> options, String... command) {
        List<String> args = new ArrayList<>(List.of("ctl", "--pd", cluster.pdAddress()));
        args.addAll(options);
        args.addAll(List.of(command));
        StringWriter out = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int code = cli.execute(args.toArray(String[]::new));
        return new Ctl(code, out.toString());
    }
}
