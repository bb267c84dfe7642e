package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three real stores connected by GrpcTransport (in-process gRPC unless a test says loopback). */
class GrpcTransportTest {

    private static final int STORES = 3;
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final long GC_LIMIT = 10;
    private static final int PUTS_WHILE_LAGGING = 40;

    @TempDir
    Path dir;

    private static long someFollower(GrpcStoreCluster cluster, long leader) {
        return cluster.nodes().stream()
                .mapToLong(n -> n.storeId)
                .filter(id -> id != leader)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void electsALeaderAndReplicatesAPutToEveryStore() {
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(STORES, dir, RaftstoreConfig.defaults())) {
            cluster.put("k", "v", 1, TIMEOUT);
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                Await.until(() -> "v".equals(node.valueOf("k")), TIMEOUT, "store " + node.storeId + " has k");
            }
        }
    }

    @Test
    void replicatesOverLoopbackSocketsWithTheProductionChannels() {
        try (GrpcStoreCluster cluster =
                new GrpcStoreCluster(STORES, dir, RaftstoreConfig.defaults(), GrpcStoreCluster.Wiring.LOOPBACK)) {
            long leader = cluster.put("k", "v", 1, TIMEOUT);
            cluster.put("k2", "v2", leader, TIMEOUT);
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                Await.until(() -> "v2".equals(node.valueOf("k2")), TIMEOUT, "store " + node.storeId + " has k2");
                assertThat(node.valueOf("k")).isEqualTo("v");
            }
        }
    }

    @Test
    void aStoppedServerIsReportedUnreachableAndTheOthersKeepServing() {
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(STORES, dir, RaftstoreConfig.defaults())) {
            cluster.put("before", "1", 1, TIMEOUT);
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                Await.until(
                        () -> "1".equals(node.valueOf("before")),
                        TIMEOUT,
                        "store " + node.storeId + " has the first put");
            }
            // Stores start one after another: messages sent before a server was up were reported.
            // Once all are up and a put reached everyone, nothing more is.
            cluster.nodes().forEach(node -> node.unreachablePeers.clear());
            long leader = cluster.put("steady", "1", 1, TIMEOUT);
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                Await.until(
                        () -> "1".equals(node.valueOf("steady")),
                        TIMEOUT,
                        "store " + node.storeId + " has the put made while all are up");
            }
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                assertThat(node.unreachablePeers)
                        .as("store %d's reports while every store is up", node.storeId)
                        .isEmpty();
            }
            long stopped = someFollower(cluster, leader);
            GrpcStoreCluster.Node stoppedNode = cluster.node(stopped);

            stoppedNode.stopServer();
            // The leader heartbeats every peer: its messages to the stopped store get dropped and
            // reported. Which store leads by then is not fixed (on a busy machine an election may
            // have moved leadership since the put), so any running store's report counts.
            Await.until(
                    () -> cluster.nodes().stream()
                            .filter(node -> node.storeId != stopped)
                            .anyMatch(node -> node.unreachablePeers.contains(stoppedNode.peerId())),
                    TIMEOUT,
                    "the leader reports peer " + stoppedNode.peerId() + " unreachable");

            long writer = cluster.put("after", "2", leader, TIMEOUT);
            assertThat(writer).isNotEqualTo(stopped);
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                if (node.storeId != stopped) {
                    Await.until(
                            () -> "2".equals(node.valueOf("after")),
                            TIMEOUT,
                            "store " + node.storeId + " has the put made while a store was down");
                }
            }
            assertThat(stoppedNode.valueOf("after"))
                    .as("the stopped store receives nothing")
                    .isNull();
        }
    }

    @Test
    void aLaggingStoreCatchesUpBySnapshotOverTheSnapshotStream() {
        RaftstoreConfig config = RaftstoreConfig.defaults().withRaftLogGcCountLimit(GC_LIMIT);
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(STORES, dir, config)) {
            long leader = cluster.put("first", "0", 1, TIMEOUT);
            long lagging = someFollower(cluster, leader);
            GrpcStoreCluster.Node laggingNode = cluster.node(lagging);
            Await.until(() -> "0".equals(laggingNode.valueOf("first")), TIMEOUT, "the follower has the put");
            laggingNode.stopServer();

            for (int i = 0; i < PUTS_WHILE_LAGGING; i++) {
                leader = cluster.put("k" + i, "v" + i, leader, TIMEOUT);
            }
            long laggingApplied = laggingNode.applyState().getAppliedIndex();
            long leaderNow = leader;
            Await.until(
                    () -> cluster.node(leaderNow)
                                    .applyState()
                                    .getTruncatedState()
                                    .getIndex()
                            > laggingApplied,
                    TIMEOUT,
                    "the leader compacts its log past what the lagging store applied");
            assertThat(laggingNode.service().snapshotsReceived()).isZero();

            laggingNode.startServer();
            for (int i = 0; i < PUTS_WHILE_LAGGING; i++) {
                String key = "k" + i;
                String value = "v" + i;
                Await.until(
                        () -> value.equals(laggingNode.valueOf(key)),
                        TIMEOUT,
                        "the lagging store catches up on " + key);
            }
            assertThat(laggingNode.service().snapshotsReceived())
                    .as("snapshots received whole")
                    .isPositive();
            // The sender learns of the delivery when the receiver's answer comes back, which may be
            // after the lagging store has already applied the snapshot: waited for, not read at once.
            Await.until(
                    () -> cluster.nodes().stream().anyMatch(n -> n.snapshotsFinished.get() > 0),
                    TIMEOUT,
                    "a store saw its snapshot delivered");
            RaftApplyState caughtUp = laggingNode.applyState();
            assertThat(caughtUp.getTruncatedState().getIndex())
                    .as("the lagging store's log starts where the snapshot ended")
                    .isGreaterThan(PeerStorage.RAFT_INIT_LOG_INDEX);
        }
    }

    /**
     * A store that receives as many snapshots as it takes at once refuses another
     * (RESOURCE_EXHAUSTED, before writing any of it); the leader reports the snapshot failed and
     * sends it again later, and once there is room the lagging store catches up.
     */
    @Test
    void aSnapshotRefusedForWantOfRoomIsSentAgainOnceThereIsRoom() throws Exception {
        RaftstoreConfig config = RaftstoreConfig.defaults().withRaftLogGcCountLimit(GC_LIMIT);
        try (GrpcStoreCluster cluster = new GrpcStoreCluster(STORES, dir, config)) {
            long leader = cluster.put("first", "0", 1, TIMEOUT);
            long lagging = someFollower(cluster, leader);
            GrpcStoreCluster.Node laggingNode = cluster.node(lagging);
            Await.until(() -> "0".equals(laggingNode.valueOf("first")), TIMEOUT, "the follower has the put");
            laggingNode.stopServer();
            for (int i = 0; i < PUTS_WHILE_LAGGING; i++) {
                leader = cluster.put("k" + i, "v" + i, leader, TIMEOUT);
            }
            long laggingApplied = laggingNode.applyState().getAppliedIndex();
            long leaderNow = leader;
            Await.until(
                    () -> cluster.node(leaderNow)
                                    .applyState()
                                    .getTruncatedState()
                                    .getIndex()
                            > laggingApplied,
                    TIMEOUT,
                    "the leader compacts its log past what the lagging store applied");

            SnapshotRecvLimit oneAtATime = new SnapshotRecvLimit(1, SnapshotRecvLimit.DEFAULT_MAX_TOTAL_BYTES);
            SnapshotRecvLimit.Permit anotherSnapshot = oneAtATime.acquire(0);
            laggingNode.startServer(oneAtATime);
            Await.until(() -> oneAtATime.refused() >= 2, TIMEOUT, "the snapshot refused, and refused again");
            assertThat(laggingNode.service().snapshotsReceived()).isZero();
            assertThat(laggingNode.store.snapshotManager().list())
                    .as("nothing of it written")
                    .isEmpty();
            assertThat(laggingNode.valueOf("k0")).isNull();

            anotherSnapshot.close();
            for (int i = 0; i < PUTS_WHILE_LAGGING; i++) {
                String key = "k" + i;
                String value = "v" + i;
                Await.until(
                        () -> value.equals(laggingNode.valueOf(key)),
                        TIMEOUT,
                        "the lagging store catches up on " + key);
            }
            assertThat(laggingNode.service().snapshotsReceived())
                    .as("received once there was room")
                    .isPositive();
            assertThat(oneAtATime.streams()).isZero();
        }
    }
}
