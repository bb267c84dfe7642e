package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.scheduler.HostAndPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import com.google.common.util.concurrent.ListenableFuture;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole process wiring on a loopback port, with RocksDB underneath. */
class StandaloneServerTest {

    private static final long GRPC_MAX_MESSAGE_BYTES = 64 * 1024;

    @TempDir
    Path dir;

    private Config config() {
        Config d = Config.defaults();
        Config withLimits = new Config(d.server(), d.storage(),
                new Config.Limits(d.limits().maxKeySizeBytes(), 1024 * 1024, d.limits().maxScanLimit(),
                        GRPC_MAX_MESSAGE_BYTES), d.pd());
        return ConfigLoader.applyOverrides(withLimits, new ConfigLoader.Overrides(
                new HostAndPort("127.0.0.1", 0), null, "127.0.0.1:0", dir.resolve("data"))).validate();
    }

    private static StandaloneServer start(Config config, StorageFactory storage) {
        return StandaloneServer.start(config, storage, System::currentTimeMillis,
                new Random(1));
    }

    private static ManagedChannel channel(StandaloneServer server) {
        return NettyChannelBuilder.forAddress(server.boundAddress().toSocketAddress()).usePlaintext().build();
    }

    @Test
    void servesHealthRawKvPdAndMetricsAndKeepsDataAcrossRestart() throws Exception {
        Config config = config();
        long clusterId;
        try (StandaloneServer server = start(config, ProcessWiring.ROCKSDB)) {
            ManagedChannel ch = channel(server);
            try {
                assertThat(HealthGrpc.newBlockingStub(ch).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                        .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
                TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(ch);
                assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                        .setValue(ByteString.copyFromUtf8("v")).build()).getError()).isEmpty();
                assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder().setCf("no-such-cf").build()).getError()).isNotEmpty();

                Pdpb.GetMembersResponse members =
                        PDGrpc.newBlockingStub(ch).getMembers(Pdpb.GetMembersRequest.getDefaultInstance());
                assertThat(members.getLeader().getClientUrls(0)).isEqualTo("http://" + server.boundAddress());
                clusterId = members.getHeader().getClusterId();
                PDGrpc.newBlockingStub(ch).bootstrap(Pdpb.BootstrapRequest.getDefaultInstance());
                assertThat(server.cluster().store().getAddress()).isEqualTo(server.boundAddress().toString());

                // A message over the gRPC limit is refused before it is read into memory.
                ByteString huge = ByteString.copyFrom(new byte[(int) GRPC_MAX_MESSAGE_BYTES * 2]);
                assertThatThrownBy(() -> tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("big")).setValue(huge).build()))
                        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
                                .isEqualTo(Status.Code.RESOURCE_EXHAUSTED));

                String metrics = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.statusPort() + "/metrics"))
                                .build(), HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("tinykv_grpc_requests_total{method=\"RawPut\",result=\"ok\"} 1.0");
                assertThat(metrics).contains("tinykv_grpc_requests_total{method=\"RawPut\",result=\"error\"} 1.0");
                assertThat(metrics).contains("tinykv_grpc_request_duration_seconds_count{method=\"GetMembers\"} 1");
                assertThat(metrics).contains("tinykv_grpc_requests_total{method=\"Bootstrap\",result=\"error\"} 1.0");

                // TiKV's status routes besides /metrics.
                HttpResponse<String> configPage = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.statusPort() + "/config"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(configPage.statusCode()).isEqualTo(200);
                com.fasterxml.jackson.databind.JsonNode json =
                        new com.fasterxml.jackson.databind.ObjectMapper().readTree(configPage.body());
                assertThat(json.at("/storage/api-version").asInt()).isEqualTo(1);
                assertThat(json.at("/storage/enable-ttl").asBoolean(true)).isFalse();
                assertThat(json.at("/server/addr").asText()).isEqualTo(server.boundAddress().toString());
                assertThat(json.has("store")).as("no [store] section in standalone mode").isFalse();
                assertThat(HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.statusPort() + "/status"))
                                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
                assertThat(HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.statusPort() + "/nope"))
                                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        try (StandaloneServer restarted = start(config, ProcessWiring.ROCKSDB)) {
            ManagedChannel ch = channel(restarted);
            try {
                assertThat(TikvGrpc.newBlockingStub(ch).rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("k")).build()).getValue().toStringUtf8()).isEqualTo("v");
                assertThat(restarted.cluster().clusterId()).as("cluster id persists").isEqualTo(clusterId);
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * {@code storage.enable-ttl} end to end in one process: the expiry follows the process's clock,
     * {@code /config} reports the setting, and a restart with the other setting is refused while the
     * same setting finds the data again.
     */
    @Test
    void ttlFollowsTheClockAndTheSettingIsFixedWhenTheDataIsCreated() throws Exception {
        Config withTtl = config().withStorage(config().storage().withEnableTtl(true));
        java.util.concurrent.atomic.AtomicLong clockMillis =
                new java.util.concurrent.atomic.AtomicLong(1_700_000_000_000L);
        ByteString key = ByteString.copyFromUtf8("k");
        try (StandaloneServer server = StandaloneServer.start(withTtl, ProcessWiring.ROCKSDB, clockMillis::get,
                new Random(1))) {
            ManagedChannel ch = channel(server);
            try {
                TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(ch);
                assertThat(tikv.rawPut(Kvrpcpb.RawPutRequest.newBuilder().setKey(key)
                        .setValue(ByteString.copyFromUtf8("v")).setTtl(60).build()).getError()).isEmpty();
                assertThat(tikv.rawGetKeyTTL(Kvrpcpb.RawGetKeyTTLRequest.newBuilder().setKey(key).build()).getTtl())
                        .isEqualTo(60);
                com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.statusPort() + "/config")).build(),
                                HttpResponse.BodyHandlers.ofString()).body());
                assertThat(json.at("/storage/enable-ttl").asBoolean(false)).isTrue();
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }

        assertThatThrownBy(() -> start(config(), ProcessWiring.ROCKSDB))
                .isInstanceOf(DataFormatCheck.MismatchException.class)
                .hasMessageContaining("was created with storage.enable-ttl = true, but this start has "
                        + "storage.enable-ttl = false")
                .hasMessageContaining("start with storage.enable-ttl = true (--enable-ttl)");

        clockMillis.addAndGet(59_000);
        try (StandaloneServer restarted = StandaloneServer.start(withTtl, ProcessWiring.ROCKSDB, clockMillis::get,
                new Random(1))) {
            ManagedChannel ch = channel(restarted);
            try {
                TikvGrpc.TikvBlockingStub tikv = TikvGrpc.newBlockingStub(ch);
                assertThat(tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(key).build()).getValue())
                        .isEqualTo(ByteString.copyFromUtf8("v"));
                assertThat(tikv.rawGetKeyTTL(Kvrpcpb.RawGetKeyTTLRequest.newBuilder().setKey(key).build()).getTtl())
                        .isEqualTo(1);
                clockMillis.addAndGet(1_000);
                assertThat(tikv.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setKey(key).build()).getNotFound()).isTrue();
            } finally {
                ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A store created without TTL (and one from before the setting was recorded) refuses to turn it on. */
    @Test
    void aStoreCreatedWithoutTtlRefusesToStartWithIt() {
        try (StandaloneServer server = start(config(), ProcessWiring.ROCKSDB)) {
            assertThat(server.boundAddress()).isNotNull();
        }
        Config withTtl = config().withStorage(config().storage().withEnableTtl(true));
        assertThatThrownBy(() -> start(withTtl, ProcessWiring.ROCKSDB))
                .isInstanceOf(DataFormatCheck.MismatchException.class)
                .hasMessageContaining("was created with storage.enable-ttl = false, but this start has "
                        + "storage.enable-ttl = true")
                .hasMessageContaining("(without --enable-ttl)");
        // The refused start released everything: the data dir opens again with the right setting.
        try (StandaloneServer server = start(config(), ProcessWiring.ROCKSDB)) {
            assertThat(server.boundAddress()).isNotNull();
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirIsRefusedBeforeOpeningStorage() {
        Config config = config();
        try (StandaloneServer first = start(config, (d, c) -> new MemoryStorage())) {
            AtomicInteger opened = new AtomicInteger();
            assertThatThrownBy(() -> start(config, (d, c) -> {
                opened.incrementAndGet();
                return new MemoryStorage();
            })).isInstanceOf(DataDirLock.DataDirLockedException.class).hasMessageContaining("in use");
            assertThat(opened).hasValue(0);
            assertThat(first.boundAddress().port()).isPositive();
        }
    }

    @Test
    void closeClosesStorageAndReleasesTheDataDir() {
        Config config = config();
        MemoryStorage storage = new MemoryStorage();
        StandaloneServer server = start(config, (d, c) -> storage);
        server.close();
        server.close();
        assertThat(storage.isClosed()).isTrue();
        DataDirLock.acquire(config.server().dataDir()).close();
    }

    /** SIGTERM's path: a request already in flight finishes before storage is closed under it. */
    @Test
    void closeLetsARequestInFlightFinishBeforeClosingStorage() throws Exception {
        MemoryStorage memory = new MemoryStorage();
        CountDownLatch writeEntered = new CountDownLatch(1);
        CountDownLatch releaseWrite = new CountDownLatch(1);
        Storage blocking = new Storage() {
            @Override
            public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
                writeEntered.countDown();
                awaitQuietly(releaseWrite);
                memory.write(ctx, batch);
            }

            @Override
            public StorageReader reader(Kvrpcpb.Context ctx) {
                return memory.reader(ctx);
            }

            @Override
            public void close() {
                memory.close();
            }
        };
        StandaloneServer server = start(config(), (d, c) -> blocking);
        ManagedChannel ch = channel(server);
        ExecutorService closer = Executors.newSingleThreadExecutor();
        try {
            ListenableFuture<Kvrpcpb.RawPutResponse> put = TikvGrpc.newFutureStub(ch).rawPut(
                    Kvrpcpb.RawPutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                            .setValue(ByteString.copyFromUtf8("v")).build());
            assertThat(writeEntered.await(30, TimeUnit.SECONDS)).isTrue();
            Iterator<HealthCheckResponse> health = HealthGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).watch(HealthCheckRequest.getDefaultInstance());
            assertThat(health.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);

            Future<?> closing = closer.submit(server::close);
            // Shutdown has begun once health turns NOT_SERVING; only then does the write go on.
            assertThat(health.next().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.NOT_SERVING);
            assertThat(memory.isClosed()).isFalse();
            releaseWrite.countDown();

            assertThat(put.get(30, TimeUnit.SECONDS).getError()).isEmpty();
            closing.get(30, TimeUnit.SECONDS);
            assertThat(memory.isClosed()).isTrue();
        } finally {
            releaseWrite.countDown();
            closer.shutdownNow();
            ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test latch never released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aFailedStartReleasesWhatItOpened() {
        Config config = config();
        assertThatThrownBy(() -> start(config, (d, c) -> {
            throw new IllegalStateException("disk on fire");
        })).hasMessage("disk on fire");
        DataDirLock.acquire(config.server().dataDir()).close();
    }
}
