package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.KeyValue;
import io.tinykv.client.PdClient;
import io.tinykv.client.RawKvClient;
import io.tinykv.client.RegionInfo;
import io.tinykv.client.Transaction;
import io.tinykv.client.TxnKvClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicated cluster in one JVM: a real scheduler and three store processes on loopback ports,
 * started at the same time (they race to bootstrap), driven through our RawKV client.
 */
class StoreClusterTest {

    private static final int STORES = 3;
    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(30);
    private static final int KEYS_PER_PHASE = 20;

    @TempDir
    Path dir;

    private SchedulerServer scheduler;
    private final Map<Integer, StoreServer> stores = new LinkedHashMap<>();

    @AfterEach
    void stopAll() {
        stores.values().forEach(StoreServer::close);
        if (scheduler != null) {
            scheduler.close();
        }
    }

    private void startScheduler() {
        scheduler = SchedulerServer.start(SchedulerConfig.defaults(dir.resolve("scheduler"))
                        .withListenAddress(new HostAndPort("127.0.0.1", 0)),
                System::currentTimeMillis, new SecureRandom(), new PrometheusRegistry());
    }

    /** Starts every store at once: they find the scheduler and race to bootstrap the cluster. */
    private void startStores() throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(STORES);
        try {
            List<Future<StoreServer>> started = new ArrayList<>();
            for (int i = 1; i <= STORES; i++) {
                Path data = dir.resolve("store" + i);
                started.add(starters.submit(() -> StoreServer.start(TestConfigs.store(scheduler.address(), data))));
            }
            for (int i = 1; i <= STORES; i++) {
                stores.put(i, started.get(i - 1).get());
            }
        } finally {
            starters.shutdown();
        }
    }

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private ClientConfig clientConfig() {
        return ClientConfig.of(List.of(scheduler.address()));
    }

    private Optional<RegionInfo> firstRegion(PdClient pd) {
        return pd.getRegion(ByteString.EMPTY);
    }

    /** Waits until the one region has a replica on every store and a leader the scheduler knows. */
    private RegionInfo awaitFullReplication() {
        try (PdClient pd = PdClient.connect(clientConfig())) {
            Deadlines.await(() -> firstRegion(pd)
                    .filter(r -> r.region().getPeersList().stream().map(Metapb.Peer::getStoreId).distinct()
                            .count() == STORES && r.hasLeader())
                    .isPresent(), REPLICATION_WAIT, "the region has " + STORES + " replicas through the replica checker");
            return firstRegion(pd).orElseThrow();
        }
    }

    private static void write(RawKvClient client, Map<ByteString, ByteString> acknowledged, String phase) {
        for (int i = 0; i < KEYS_PER_PHASE; i++) {
            ByteString key = bytes(phase + "-" + String.format("%03d", i));
            ByteString value = bytes("value of " + key.toStringUtf8());
            client.put(key, value);
            acknowledged.put(key, value);
        }
    }

    private static void assertAllReadable(RawKvClient client, Map<ByteString, ByteString> acknowledged) {
        for (Map.Entry<ByteString, ByteString> e : acknowledged.entrySet()) {
            assertThat(client.get(e.getKey())).as("acknowledged key %s", e.getKey().toStringUtf8())
                    .contains(e.getValue());
        }
    }

    @Test
    void bootstrapsReplicatesServesSurvivesALostStoreAndAFullRestart() throws Exception {
        startScheduler();
        startStores();
        Map<Integer, Long> storeIds = new LinkedHashMap<>();
        stores.forEach((i, s) -> storeIds.put(i, s.storeId()));
        assertThat(storeIds.values()).doesNotHaveDuplicates();

        RegionInfo region = awaitFullReplication();
        assertThat(region.region().getStartKey().isEmpty() && region.region().getEndKey().isEmpty()).isTrue();
        // The two added replicas each got a snapshot: the operators see it in the metrics.
        Deadlines.await(() -> sumOverStores("tinykv_snapshots_received_total") >= STORES - 1, REPLICATION_WAIT,
                "every added replica received a snapshot");
        assertThat(sumOverStores("tinykv_snapshots_sent_total{result=\"finish\"}")).isGreaterThanOrEqualTo(STORES - 1);
        assertThat(sumOverStores("tinykv_region_heartbeats_sent_total")).isPositive();

        Map<ByteString, ByteString> acknowledged = new LinkedHashMap<>();
        try (RawKvClient client = RawKvClient.create(clientConfig())) {
            write(client, acknowledged, "a");
            assertAllReadable(client, acknowledged);
            List<KeyValue> scanned = client.scan(bytes("a-"), bytes("a-~"), 100, false);
            assertThat(scanned).extracting(KeyValue::key).containsExactlyElementsOf(acknowledged.keySet());

            // Lose the leader's store: the other two elect a leader and keep serving.
            long leaderStore = region.leader().getStoreId();
            int lost = stores.entrySet().stream().filter(e -> e.getValue().storeId() == leaderStore)
                    .findFirst().orElseThrow().getKey();
            stores.remove(lost).close();
            write(client, acknowledged, "b");
            assertAllReadable(client, acknowledged);
        }

        // Full restart: every store and the scheduler. Stores come back on new ports.
        stores.values().forEach(StoreServer::close);
        stores.clear();
        long clusterId = scheduler.clusterId();
        scheduler.close();
        startScheduler();
        assertThat(scheduler.clusterId()).isEqualTo(clusterId);
        startStores();
        stores.forEach((i, s) -> assertThat(s.storeId()).as("store %d keeps its id", i).isEqualTo(storeIds.get(i)));

        try (RawKvClient client = RawKvClient.create(clientConfig())) {
            assertAllReadable(client, acknowledged);
            write(client, acknowledged, "c");
            assertThat(client.scan(ByteString.EMPTY, ByteString.EMPTY, 1000, true)).extracting(KeyValue::key)
                    .containsExactlyElementsOf(acknowledged.keySet());
        }
    }

    @Test
    void regionErrorsReachTheClientAndTransactionsCommitThroughRaft() throws Exception {
        startScheduler();
        startStores();
        RegionInfo region = awaitFullReplication();
        Metapb.Region meta = region.region();
        Metapb.Peer leader = region.leader();
        Metapb.Peer follower = meta.getPeersList().stream().filter(p -> p.getId() != leader.getId())
                .findFirst().orElseThrow();
        StoreServer followerStore = storeWithId(follower.getStoreId());
        StoreServer leaderStore = storeWithId(leader.getStoreId());

        ManagedChannel toFollower = NettyChannelBuilder.forTarget(followerStore.address()).usePlaintext().build();
        ManagedChannel toLeader = NettyChannelBuilder.forTarget(leaderStore.address()).usePlaintext().build();
        try {
            TikvGrpc.TikvBlockingStub followerStub = TikvGrpc.newBlockingStub(toFollower);
            Kvrpcpb.Context atFollower = Kvrpcpb.Context.newBuilder().setRegionId(meta.getId())
                    .setRegionEpoch(meta.getRegionEpoch()).setPeer(follower).build();
            // A follower answers not_leader, naming the leader once it has heard from it.
            Deadlines.await(() -> {
                Errorpb.Error e = followerStub.rawGet(Kvrpcpb.RawGetRequest.newBuilder().setContext(atFollower)
                        .setKey(bytes("k")).build()).getRegionError();
                return e.hasNotLeader() && e.getNotLeader().getLeader().getId() == leader.getId();
            }, REPLICATION_WAIT, "the follower names the leader in not_leader");
            Kvrpcpb.GetResponse txnAtFollower = followerStub.kvGet(Kvrpcpb.GetRequest.newBuilder()
                    .setContext(atFollower).setKey(bytes("k")).setVersion(Long.MAX_VALUE).build());
            assertThat(txnAtFollower.getRegionError().hasNotLeader()).isTrue();

            // Data commands are checked against the region's version (splits and merges), as in TiKV:
            // a client that cached an older version is told the current region.
            Kvrpcpb.Context staleEpoch = Kvrpcpb.Context.newBuilder().setRegionId(meta.getId()).setPeer(leader)
                    .setRegionEpoch(meta.getRegionEpoch().toBuilder()
                            .setVersion(meta.getRegionEpoch().getVersion() - 1)).build();
            Kvrpcpb.RawPutResponse stale = TikvGrpc.newBlockingStub(toLeader).rawPut(Kvrpcpb.RawPutRequest
                    .newBuilder().setContext(staleEpoch).setKey(bytes("k")).setValue(bytes("v")).build());
            assertThat(stale.getRegionError().hasEpochNotMatch())
                    .as("a request for an older version of the region: %s", stale.getRegionError())
                    .isTrue();
            assertThat(stale.getRegionError().getEpochNotMatch().getCurrentRegionsList())
                    .extracting(Metapb.Region::getRegionEpoch).containsExactly(meta.getRegionEpoch());
        } finally {
            toFollower.shutdownNow();
            toLeader.shutdownNow();
        }

        try (TxnKvClient txn = TxnKvClient.create(clientConfig())) {
            Transaction t1 = txn.begin();
            t1.put(bytes("acct-a"), bytes("10"));
            t1.put(bytes("acct-b"), bytes("20"));
            t1.commit();
            Transaction t2 = txn.begin();
            assertThat(t2.get(bytes("acct-a"))).contains(bytes("10"));
            assertThat(t2.scan(bytes("acct-"), bytes("acct-~"), 10)).extracting(KeyValue::value)
                    .containsExactly(bytes("10"), bytes("20"));
            t2.rollback();
        }
    }

    /** A metric's value summed over the running stores' /metrics pages (0 where it is absent). */
    private double sumOverStores(String series) {
        double sum = 0;
        for (StoreServer store : stores.values()) {
            String page;
            try {
                page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + store.statusPort() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            for (String line : page.split("\n")) {
                if (line.startsWith(series + " ")) {
                    sum += Double.parseDouble(line.substring(series.length() + 1).trim());
                }
            }
        }
        return sum;
    }

    private StoreServer storeWithId(long storeId) {
        return stores.values().stream().filter(s -> s.storeId() == storeId).findFirst().orElseThrow();
    }
}
