package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.server.playground.ClusterReadiness;
import io.tinykv.testkit.linear.LinearizabilityChecker;
import io.tinykv.testkit.linear.RegisterOp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;
import org.tikv.kvproto.Kvrpcpb;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * A real replicated cluster — one {@code tinykv scheduler} and three {@code tinykv server} processes —
 * driven by the official TiKV Java client: stores killed mid-load one at a time (the leader's, then a
 * follower's) and restarted, the scheduler stopped and restarted.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class ReplicatedClusterCompatTest {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicatedClusterCompatTest.class);
    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** Generous: a leader lost means an election, a scheduler heartbeat and client backoff first. */
    private static final Duration PROGRESS = Duration.ofSeconds(90);

    private static final Duration STOP = Duration.ofSeconds(60);
    private static final int CLIENT_THREADS = 4;
    private static final int REGISTER_KEYS = 8;
    /** Successful operations per phase: before the kill, with a store down, after its restart. */
    private static final int OPS_PER_PHASE = 150;

    private static final long SEED = 20_261_126L;
    private static final int KEYS_WRITTEN_BEFORE_SCHEDULER_STOPS = 30;

    @TempDir
    Path dir;

    private static ByteString s(String text) {
        return ByteString.copyFromUtf8(text);
    }

    @Test
    void storesKilledMidLoadOneAtATimeLoseNoAcknowledgedWriteAndTheHistoryIsLinearizable() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES)) {
            cluster.awaitServing(STARTUP);
            String prefix = "kill-" + SEED;
            RegisterWorkload load;
            List<String> victims = new ArrayList<>();
            try (TiSession session = Sessions.open(cluster.pdAddress());
                    RawKVClient client = session.createRawClient()) {
                load = RegisterWorkload.raw(client, prefix, REGISTER_KEYS);
                try (load) {
                    load.start(CLIENT_THREADS, SEED);
                    load.awaitSuccesses(OPS_PER_PHASE, PROGRESS, "before the first kill");

                    // First the store leading the region, then one of the followers (not the one just back).
                    for (boolean leader : new boolean[] {true, false}) {
                        int leaderIndex = cluster.storeIndex(
                                cluster.leaderStoreOf(s(prefix).toByteArray()));
                        int index = leader ? leaderIndex : otherThan(leaderIndex, victims);
                        String victim = "store" + index;
                        victims.add(victim);
                        LOG.info(
                                "killing {} (SIGKILL), {} of the region, after {} operations",
                                victim,
                                leader ? "the leader" : "a follower",
                                load.successes());
                        cluster.kill(victim);
                        load.awaitSuccesses(load.successes() + OPS_PER_PHASE, PROGRESS, "with " + victim + " down");

                        cluster.restart(victim);
                        cluster.awaitHealthy(victim, cluster.storeAddress(index), STARTUP);
                        load.awaitSuccesses(
                                load.successes() + OPS_PER_PHASE, PROGRESS, "after " + victim + " restarted");
                    }
                    load.stop(STOP);
                    LOG.info(
                            "load done: {} operations succeeded, {} failed; {} register operations recorded",
                            load.successes(),
                            load.failures(),
                            load.history().size());
                    load.finalReads();
                }

                Map<String, String> acknowledged = load.acknowledgedOwn();
                // The client sorts the list it is given: hand it a mutable one.
                List<ByteString> keys = new ArrayList<>(acknowledged.keySet().stream()
                        .map(ReplicatedClusterCompatTest::s)
                        .toList());
                Map<String, String> found = new java.util.HashMap<>();
                for (Kvrpcpb.KvPair pair : client.batchGet(keys)) {
                    found.put(pair.getKey().toStringUtf8(), pair.getValue().toStringUtf8());
                }
                assertThat(acknowledged)
                        .as("acknowledged writes of keys of their own")
                        .isNotEmpty();
                assertThat(found).as("every acknowledged write is there").isEqualTo(acknowledged);
            }
            assertThat(load.history())
                    .as("reads and writes of the shared keys were recorded")
                    .anyMatch(op -> op.kind() == RegisterOp.Kind.PUT)
                    .anyMatch(op -> op.kind() == RegisterOp.Kind.GET);
            LinearizabilityChecker.Result linearizable = LinearizabilityChecker.check(load.history());
            assertThat(linearizable.ok())
                    .as("linearizability of the register history: %s", linearizable.message())
                    .isTrue();
            assertThat(cluster.unexpectedExits())
                    .as("only the killed stores stopped")
                    .containsExactlyElementsOf(
                            victims.stream().map(v -> v + " exited 137").toList());
        }
    }

    /** A store index that is neither {@code leaderIndex} nor among the stores already killed. */
    private static int otherThan(int leaderIndex, List<String> killed) {
        for (int i = 1; i <= STORES; i++) {
            if (i != leaderIndex && !killed.contains("store" + i)) {
                return i;
            }
        }
        throw new AssertionError("no store left to kill");
    }

    @Test
    void storesServeKnownRegionsWhileTheSchedulerIsDownAndItServesAgainAfterARestart() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES)) {
            ClusterReadiness.Serving before = cluster.awaitServing(STARTUP);
            List<ByteString> keys = new ArrayList<>();
            for (int i = 0; i < KEYS_WRITTEN_BEFORE_SCHEDULER_STOPS; i++) {
                keys.add(s("pd-down/" + i));
            }
            try (TiSession session = Sessions.open(cluster.pdAddress());
                    RawKVClient client = session.createRawClient()) {
                for (ByteString key : keys) {
                    client.put(key, s("before"));
                }

                cluster.terminate("scheduler", STOP);

                // The client knows the region and its leader: no need to ask the scheduler.
                for (ByteString key : keys) {
                    client.put(key, s("while-down"));
                }
                for (ByteString key : keys) {
                    assertThat(client.get(key))
                            .as("read while the scheduler is down")
                            .contains(s("while-down"));
                }

                cluster.restart("scheduler");
                ClusterReadiness.Serving after = cluster.awaitServing(STARTUP);
                assertThat(after.storeIds()).as("the same stores, found again").isEqualTo(before.storeIds());
            }
            // A new client has to go through the scheduler for everything: routing and the data.
            try (TiSession session = Sessions.open(cluster.pdAddress());
                    RawKVClient client = session.createRawClient()) {
                for (ByteString key : keys) {
                    assertThat(client.get(key)).contains(s("while-down"));
                }
                client.put(s("pd-down/after"), s("x"));
                assertThat(client.get(s("pd-down/after"))).contains(s("x"));
                assertThat(session.getTimestamp().getVersion())
                        .as("timestamps again")
                        .isPositive();
            }
            assertThat(cluster.unexpectedExits()).singleElement().asString().startsWith("scheduler exited");
        }
    }
}
