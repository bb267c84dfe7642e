package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.KeyValue;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.DataDirLock;
import io.tinykv.testkit.net.RefusedPort;
import io.tinykv.testkit.wait.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One store process against a book-keeping scheduler: identity, bootstrap, serving, restart. */
class StoreServerTest {

    /** How long the test leaves the store without a scheduler before starting one. */
    private static final Duration SCHEDULER_ABSENT = Duration.ofMillis(500);

    @TempDir
    Path dir;

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static RawKvClient client(String pd) {
        return RawKvClient.create(ClientConfig.of(List.of(pd)));
    }

    @Test
    void bootstrapsTheClusterServesRawKvAndKeepsItsIdentityAcrossRestart() throws Exception {
        Path data = dir.resolve("store");
        long storeId;
        try (FakeScheduler pd = new FakeScheduler(7)) {
            try (StoreServer server = StoreServer.start(TestConfigs.store(pd.address(), data))) {
                storeId = server.storeId();
                assertThat(server.clusterId()).isEqualTo(7);
                assertThat(pd.bootstraps).hasSize(1);
                Metapb.Region region = pd.region();
                assertThat(region.getPeersList())
                        .singleElement()
                        .satisfies(p -> assertThat(p.getStoreId()).isEqualTo(storeId));
                assertThat(region.getStartKey().isEmpty() && region.getEndKey().isEmpty())
                        .isTrue();
                assertThat(pd.stores.get(storeId).getAddress()).isEqualTo(server.address());

                ManagedChannel ch = NettyChannelBuilder.forTarget(server.address())
                        .usePlaintext()
                        .build();
                try {
                    assertThat(HealthGrpc.newBlockingStub(ch)
                                    .check(HealthCheckRequest.getDefaultInstance())
                                    .getStatus())
                            .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                    // A request for a region this store does not have comes back as a region error.
                    Kvrpcpb.RawGetResponse wrongRegion = TikvGrpc.newBlockingStub(ch)
                            .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                                    .setKey(bytes("a"))
                                    .setContext(Kvrpcpb.Context.newBuilder().setRegionId(region.getId() + 100))
                                    .build());
                    assertThat(wrongRegion.getRegionError().hasRegionNotFound()).isTrue();
                } finally {
                    ch.shutdownNow();
                }

                try (RawKvClient client = client(pd.address())) {
                    client.put(bytes("k1"), bytes("v1"));
                    client.put(bytes("k2"), bytes("v2"));
                    assertThat(client.get(bytes("k1"))).contains(bytes("v1"));
                    assertThat(client.scan(bytes("k"), ByteString.EMPTY, 10, false))
                            .containsExactly(
                                    new KeyValue(bytes("k1"), bytes("v1")), new KeyValue(bytes("k2"), bytes("v2")));
                }

                String metrics = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + server.statusPort() + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
                assertThat(metrics)
                        .contains("tinykv_raft_proposals_total{kind=\"write\",result=\"ok\"}")
                        .contains("tinykv_grpc_requests_total")
                        .contains("tinykv_raft_apply_lag_entries")
                        .contains("tinykv_raft_ticks_total")
                        .contains("tinykv_raft_round_seconds_total")
                        .contains("tinykv_raft_poll_rounds_total")
                        .contains("tinykv_raft_same_round_readys_total")
                        // The JVM's own: GC time, heap, JIT time, threads.
                        .contains("jvm_gc_collection_seconds_count")
                        .contains("jvm_memory_used_bytes{area=\"heap\"}")
                        .contains("jvm_compilation_time_seconds_total")
                        .contains("jvm_threads_current");
                assertStatusRoutes(server.statusPort());
            }

            try (StoreServer again = StoreServer.start(TestConfigs.store(pd.address(), data));
                    RawKvClient client = client(pd.address())) {
                assertThat(again.storeId()).isEqualTo(storeId);
                assertThat(pd.bootstraps).hasSize(1);
                assertThat(pd.stores.get(storeId).getAddress()).isEqualTo(again.address());
                assertThat(client.get(bytes("k2"))).contains(bytes("v2"));
            }
        }
    }

    /** TiKV's status routes: /config (JSON, with the API version), /status, and 404 for the rest. */
    private static void assertStatusRoutes(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> config = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/config"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(config.statusCode()).isEqualTo(200);
        assertThat(config.headers().firstValue("Content-Type")).contains("application/json");
        com.fasterxml.jackson.databind.JsonNode json =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(config.body());
        assertThat(json.at("/storage/api-version").asInt()).isEqualTo(1);
        assertThat(json.at("/storage/enable-ttl").isBoolean()).isTrue();
        assertThat(json.at("/storage/enable-ttl").asBoolean()).isFalse();
        assertThat(json.at("/store/pd-endpoints").isArray()).isTrue();
        assertThat(json.at("/server/status-addr").asText()).endsWith(":" + port).as("the effective, bound address");

        HttpResponse<String> status = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/status"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        for (String path : new String[] {"/", "/nope", "/config/x"}) {
            HttpResponse<String> other = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(other.statusCode()).as(path).isEqualTo(404);
            assertThat(other.body()).as(path).doesNotContain("tinykv_grpc_requests_total");
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirRefuses() throws Exception {
        Path data = dir.resolve("store");
        try (FakeScheduler pd = new FakeScheduler(7);
                StoreServer first = StoreServer.start(TestConfigs.store(pd.address(), data))) {
            assertThatThrownBy(() -> StoreServer.start(TestConfigs.store(pd.address(), data)))
                    .isInstanceOf(DataDirLock.DataDirLockedException.class)
                    .hasMessageContaining("in use by another tinykv process");
            try (RawKvClient client = client(pd.address())) {
                client.put(bytes("still"), bytes("serving"));
                assertThat(client.get(bytes("still"))).contains(bytes("serving"));
            }
        }
    }

    @Test
    void aDataDirOfAnotherClusterRefusesWithAClearMessageAndReleasesTheDir() throws Exception {
        Path data = dir.resolve("store");
        long storeId;
        try (FakeScheduler a = new FakeScheduler(7)) {
            try (StoreServer server = StoreServer.start(TestConfigs.store(a.address(), data))) {
                storeId = server.storeId();
            }
            try (FakeScheduler b = new FakeScheduler(8)) {
                assertThatThrownBy(() -> StoreServer.start(TestConfigs.store(b.address(), data)))
                        .isInstanceOf(StoreBootstrap.ClusterMismatchException.class)
                        .hasMessageContaining("cluster 7")
                        .hasMessageContaining("runs cluster 8");
                assertThat(b.stores).isEmpty();
                assertThat(b.bootstraps).isEmpty();
            }
            // The failed start let go of the data dir: the store comes back in its own cluster.
            try (StoreServer again = StoreServer.start(TestConfigs.store(a.address(), data))) {
                assertThat(again.storeId()).isEqualTo(storeId);
            }
        }
    }

    @Test
    void aStoreThatIsNotTheFirstJoinsWithoutRegions() throws Exception {
        try (FakeScheduler pd = new FakeScheduler(7);
                StoreServer first = StoreServer.start(TestConfigs.store(pd.address(), dir.resolve("s1")));
                StoreServer second = StoreServer.start(TestConfigs.store(pd.address(), dir.resolve("s2")))) {
            assertThat(second.storeId()).isNotEqualTo(first.storeId());
            assertThat(pd.bootstraps).hasSize(1);
            assertThat(pd.stores).containsKeys(first.storeId(), second.storeId());
            assertThat(Optional.ofNullable(pd.stores.get(second.storeId())).map(Metapb.Store::getAddress))
                    .contains(second.address());
        }
    }

    @Test
    void aStoreStartedBeforeTheSchedulerWaitsForIt() throws Exception {
        // The scheduler's port is held (refusing connections) until the scheduler binds it, so no other
        // process can take it meanwhile; only the instant between release and bind remains.
        RefusedPort absent = new RefusedPort();
        int port = absent.port();
        CompletableFuture<StoreServer> starting = CompletableFuture.supplyAsync(
                () -> StoreServer.start(TestConfigs.store(absent.address(), dir.resolve("store"))));
        try {
            assertThat(Await.holdsWithin(starting::isDone, SCHEDULER_ABSENT))
                    .as("start waits for the scheduler")
                    .isFalse();
            absent.close();
            try (FakeScheduler pd = new FakeScheduler(9, port);
                    StoreServer server = starting.get(30, TimeUnit.SECONDS)) {
                assertThat(server.clusterId()).isEqualTo(9);
                assertThat(pd.stores).containsKey(server.storeId());
            }
        } finally {
            starting.thenAccept(StoreServer::close);
        }
    }
}
