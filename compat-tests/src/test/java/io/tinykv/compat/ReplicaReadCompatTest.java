package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.server.playground.ClusterReadiness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiConfiguration.ReplicaRead;
import org.tikv.common.TiSession;

/**
 * Follower reads (kvrpcpb {@code Context.replica_read}) through the official TiKV Java client on a
 * three-store cluster: sessions configured with {@code ReplicaRead.FOLLOWER} (the client's replica
 * selector then lists only followers, so every read goes to one) and {@code LEADER_AND_FOLLOWER}
 * read snapshots, and each read sees the write committed just before it, as the client's own
 * {@code ReplicaReadTest} expects.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class ReplicaReadCompatTest {

    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final long LOCK_TTL_MILLIS = 3_000;
    private static final int KEYS = 8;
    /** Each key is written this many times, each write followed at once by follower reads. */
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static long commit(TiSession session, String key, String value) throws Exception {
        SequencedMap<byte[], byte[]> writes = new LinkedHashMap<>();
        writes.put(b(key), b(value));
        try (TwoPhaseWrites txn =
                TwoPhaseWrites.begin(session, writes, LOCK_TTL_MILLIS, TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS)) {
            return txn.commit();
        }
    }

    private static String snapshotGet(TiSession session, String key) {
        return new String(session.createSnapshot().get(b(key)), StandardCharsets.UTF_8);
    }

    @Test
    void followerReadsThroughTheOfficialClientSeeEveryCommittedWrite() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, STORES, ClientKeyMode.TXN)) {
            ClusterReadiness.Serving serving = cluster.awaitServing(STARTUP);
            assertThat(serving.firstRegion().region().getPeersCount())
                    .as("the region has followers to read from")
                    .isEqualTo(STORES);
            // The reading sessions open after the region has all its replicas: the FOLLOWER selector
            // of a client that cached the region with one peer would have nobody to ask.
            try (TiSession writer = Sessions.openTransactional(cluster.pdAddress());
                    TiSession followers = Sessions.openTransactional(cluster.pdAddress(), ReplicaRead.FOLLOWER);
                    TiSession mixed =
                            Sessions.openTransactional(cluster.pdAddress(), ReplicaRead.LEADER_AND_FOLLOWER)) {
                Map<String, String> committed = new TreeMap<>();
                for (int round = 0; round < ROUNDS; round++) {
                    for (int k = 0; k < KEYS; k++) {
                        String key = "replica-read/" + k;
                        String value = "v" + round + "-" + k;
                        commit(writer, key, value);
                        committed.put(key, value);
                        assertThat(snapshotGet(followers, key))
                                .as("FOLLOWER read of %s after its commit", key)
                                .isEqualTo(value);
                        assertThat(snapshotGet(mixed, key))
                                .as("LEADER_AND_FOLLOWER read of %s", key)
                                .isEqualTo(value);
                    }
                }

                // One snapshot, every key, from followers. (Not KVClient.batchGet: in 3.3.5 it sends
                // the follower's context to the leader's store, which TiKV refuses with
                // store_not_match as we do; the client's snapshot get picks the follower's store.)
                var snapshot = followers.createSnapshot(followers.getTimestamp());
                Map<String, String> batch = new TreeMap<>();
                for (String key : committed.keySet()) {
                    batch.put(key, new String(snapshot.get(b(key)), StandardCharsets.UTF_8));
                }
                assertThat(batch)
                        .as("every key read from followers at one timestamp")
                        .isEqualTo(committed);
            }
        }
    }
}
