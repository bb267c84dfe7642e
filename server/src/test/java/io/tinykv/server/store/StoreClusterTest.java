package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.KeyValue;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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
        scheduler = SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("scheduler")).withListenAddress(new HostAndPort("127.0.0.1", 0)),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
    }

    /** Starts every store at once: they find the scheduler and race to bootstrap the cluster. */
    private void startStores() throws Exception {
        stores.putAll(StoreStarts.withPeerPorts(scheduler.address(), dir, STORES));
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
            // The region as seen when it qualified: a second look may find it between two leaders.
            return Await.value(
                    () -> firstRegion(pd)
                            .filter(r -> r.region().getPeersList().stream()
                                                    .filter(p -> p.getRole() != Metapb.PeerRole.Learner)
                                                    .map(Metapb.Peer::getStoreId)
                                                    .distinct()
                                                    .count()
                                            == STORES
                                    && r.hasLeader()),
                    REPLICATION_WAIT,
                    "the region has " + STORES + " replicas through the replica checker");
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
            assertThat(client.get(e.getKey()))
                    .as("acknowledged key %s", e.getKey().toStringUtf8())
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
        // Each store told the scheduler its peer port apart from its client port (TiKV's peer_address).
        for (StoreServer s : stores.values()) {
            Metapb.Store record = scheduler.cluster().requireStore(s.storeId()).store();
            assertThat(record.getPeerAddress())
                    .isEqualTo(s.peerAddress().toString())
                    .isNotEqualTo(record.getAddress());
        }

        RegionInfo region = awaitFullReplication();
        assertThat(region.region().getStartKey().isEmpty()
                        && region.region().getEndKey().isEmpty())
                .isTrue();
        // The two added replicas each got a snapshot: the operators see it in the metrics. The
        // receiver counts a snapshot before it answers, the sender once the answer is back, so the
        // two counters are waited for, not compared at one instant.
        Await.until(
                () -> sumOverStores("tinykv_snapshots_received_total") >= STORES - 1,
                REPLICATION_WAIT,
                "every added replica received a snapshot");
        Await.until(
                () -> sumOverStores("tinykv_snapshots_sent_total{result=\"finish\"}") >= STORES - 1,
                REPLICATION_WAIT,
                "every snapshot's sender heard it was delivered");
        // Each delivered snapshot gave back its place of raftstore.concurrent-send-snap-limit; none was refused.
        Await.until(
                () -> sumOverStores("tinykv_snapshot_sends_in_flight") == 0,
                REPLICATION_WAIT,
                "no snapshot being sent any more");
        assertThat(sumOverStores("tinykv_snapshot_sends_refused_total")).isZero();
        assertThat(sumOverStores("tinykv_region_heartbeats_sent_total")).isPositive();

        Map<ByteString, ByteString> acknowledged = new LinkedHashMap<>();
        try (RawKvClient client = RawKvClient.create(clientConfig())) {
            write(client, acknowledged, "a");
            assertAllReadable(client, acknowledged);
            // Every write went through some synced raft-engine batch, each carrying at least one Ready.
            double syncedWrites = sumOverStores("tinykv_raft_synced_writes_total");
            assertThat(syncedWrites).isPositive();
            assertThat(sumOverStores("tinykv_raft_readys_persisted_total")).isGreaterThanOrEqualTo(syncedWrites);
            // A write returns while its round is still applying; the counters it lands in are
            // published when that round ends.
            Await.until(
                    () -> sumOverStores("tinykv_raft_entries_applied_total") >= acknowledged.size(),
                    REPLICATION_WAIT,
                    "every acknowledged write is counted as applied");
            // The stages' distributions: each synced write counted above was timed before its round
            // published the counter, and each acknowledged write's proposal before its answer.
            assertThat(sumOverStores("tinykv_raft_write_duration_seconds_count{synced=\"true\"}"))
                    .isGreaterThanOrEqualTo(syncedWrites);
            assertThat(sumOverStores("tinykv_raft_commit_wait_duration_seconds_count"))
                    .isGreaterThanOrEqualTo(acknowledged.size());
            assertThat(sumOverStores("tinykv_raft_proposal_apply_duration_seconds_count"))
                    .isPositive();
            assertThat(sumOverStores("tinykv_raft_command_wait_duration_seconds_count"))
                    .isGreaterThanOrEqualTo(acknowledged.size());
            List<KeyValue> scanned = client.scan(bytes("a-"), bytes("a-~"), 100, false);
            assertThat(scanned).extracting(KeyValue::key).containsExactlyElementsOf(acknowledged.keySet());

            // Lose the leader's store: the other two elect a leader and keep serving.
            long leaderStore = region.leader().getStoreId();
            int lost = stores.entrySet().stream()
                    .filter(e -> e.getValue().storeId() == leaderStore)
                    .findFirst()
                    .orElseThrow()
                    .getKey();
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
        stores.forEach(
                (i, s) -> assertThat(s.storeId()).as("store %d keeps its id", i).isEqualTo(storeIds.get(i)));

        try (RawKvClient client = RawKvClient.create(clientConfig())) {
            assertAllReadable(client, acknowledged);
            write(client, acknowledged, "c");
            assertThat(client.scan(ByteString.EMPTY, ByteString.EMPTY, 1000, true))
                    .extracting(KeyValue::key)
                    .containsExactlyElementsOf(acknowledged.keySet());
        }
    }

    @Test
    void regionErrorsReachTheClientAndTransactionsCommitThroughRaft() throws Exception {
        startScheduler();
        startStores();
        RegionInfo region = awaitFullReplication();
        Metapb.Region meta = region.region();
        // Elections run on real ticks here, so on a busy machine leadership may move at any moment:
        // each check is repeated until one attempt sees a single leader throughout, instead of
        // assuming that the leader the scheduler named a moment ago still leads.
        Map<Long, ManagedChannel> channels = new LinkedHashMap<>();
        for (Metapb.Peer peer : meta.getPeersList()) {
            channels.put(
                    peer.getStoreId(),
                    NettyChannelBuilder.forTarget(storeWithId(peer.getStoreId()).address())
                            .usePlaintext()
                            .build());
        }
        try {
            // A follower answers not_leader, naming the leader once it has heard from it, for raw
            // and transactional reads alike.
            Await.until(
                    () -> aFollowerNamesTheLeader(meta, channels),
                    REPLICATION_WAIT,
                    "a follower names the leader in not_leader");

            // Data commands are checked against the region's version (splits and merges), as in TiKV:
            // a client that cached an older version is told the current region.
            Metapb.RegionEpoch olderVersion = meta.getRegionEpoch().toBuilder()
                    .setVersion(meta.getRegionEpoch().getVersion() - 1)
                    .build();
            AtomicReference<Errorpb.Error> stale = new AtomicReference<>();
            AtomicReference<Metapb.Peer> leader = new AtomicReference<>(region.leader());
            Await.until(
                    () -> {
                        Kvrpcpb.Context staleEpoch = Kvrpcpb.Context.newBuilder()
                                .setRegionId(meta.getId())
                                .setPeer(leader.get())
                                .setRegionEpoch(olderVersion)
                                .build();
                        Errorpb.Error e = TikvGrpc.newBlockingStub(
                                        channels.get(leader.get().getStoreId()))
                                .rawPut(Kvrpcpb.RawPutRequest.newBuilder()
                                        .setContext(staleEpoch)
                                        .setKey(bytes("k"))
                                        .setValue(bytes("v"))
                                        .build())
                                .getRegionError();
                        if (e.hasNotLeader()) { // leadership moved: ask the leader it names, if any
                            if (e.getNotLeader().hasLeader()) {
                                leader.set(e.getNotLeader().getLeader());
                            }
                            return false;
                        }
                        stale.set(e);
                        return true;
                    },
                    REPLICATION_WAIT,
                    "the leader answers a request for an older version of the region");
            assertThat(stale.get().hasEpochNotMatch())
                    .as("a request for an older version of the region: %s", stale.get())
                    .isTrue();
            assertThat(stale.get().getEpochNotMatch().getCurrentRegionsList())
                    .extracting(Metapb.Region::getRegionEpoch)
                    .containsExactly(meta.getRegionEpoch());
        } finally {
            channels.values().forEach(ManagedChannel::shutdownNow);
        }

        try (TxnKvClient txn = TxnKvClient.create(clientConfig())) {
            Transaction t1 = txn.begin();
            t1.put(bytes("acct-a"), bytes("10"));
            t1.put(bytes("acct-b"), bytes("20"));
            t1.commit();
            Transaction t2 = txn.begin();
            assertThat(t2.get(bytes("acct-a"))).contains(bytes("10"));
            assertThat(t2.scan(bytes("acct-"), bytes("acct-~"), 10))
                    .extracting(KeyValue::value)
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
                page = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + store.statusPort() + "/metrics"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            for (String line : page.split("\n")) {
                if (line.startsWith(series + " ")) {
                    sum += Double.parseDouble(
                            line.substring(series.length() + 1).trim());
                }
            }
        }
        return sum;
    }

    /**
     * One attempt: some replica answers a raw read and a transactional read with not_leader naming
     * another replica, and that replica serves the raw read (it does lead).
     */
    private static boolean aFollowerNamesTheLeader(Metapb.Region meta, Map<Long, ManagedChannel> channels) {
        for (Metapb.Peer follower : meta.getPeersList()) {
            TikvGrpc.TikvBlockingStub atStore = TikvGrpc.newBlockingStub(channels.get(follower.getStoreId()));
            Errorpb.Error raw = atStore.rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                            .setContext(contextAt(meta, follower))
                            .setKey(bytes("k"))
                            .build())
                    .getRegionError();
            if (!raw.hasNotLeader() || !raw.getNotLeader().hasLeader()) {
                continue;
            }
            Metapb.Peer named = raw.getNotLeader().getLeader();
            if (named.getId() == follower.getId() || !channels.containsKey(named.getStoreId())) {
                continue;
            }
            Errorpb.Error txn = atStore.kvGet(Kvrpcpb.GetRequest.newBuilder()
                            .setContext(contextAt(meta, follower))
                            .setKey(bytes("k"))
                            .setVersion(Long.MAX_VALUE)
                            .build())
                    .getRegionError();
            Errorpb.Error atNamed = TikvGrpc.newBlockingStub(channels.get(named.getStoreId()))
                    .rawGet(Kvrpcpb.RawGetRequest.newBuilder()
                            .setContext(contextAt(meta, named))
                            .setKey(bytes("k"))
                            .build())
                    .getRegionError();
            if (txn.hasNotLeader() && atNamed.equals(Errorpb.Error.getDefaultInstance())) {
                return true;
            }
        }
        return false;
    }

    private static Kvrpcpb.Context contextAt(Metapb.Region meta, Metapb.Peer peer) {
        return Kvrpcpb.Context.newBuilder()
                .setRegionId(meta.getId())
                .setRegionEpoch(meta.getRegionEpoch())
                .setPeer(peer)
                .build();
    }

    private StoreServer storeWithId(long storeId) {
        return stores.values().stream()
                .filter(s -> s.storeId() == storeId)
                .findFirst()
                .orElseThrow();
    }
}
