package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;
import org.tikv.common.exception.RawCASConflictException;
import org.tikv.kvproto.Kvrpcpb;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * What the TiKV Java client's own RawKV tests expect of a TiKV (API V1), against a real replicated
 * cluster — a {@code tinykv scheduler} and three {@code tinykv server} processes: compare-and-swap
 * (atomic for CAS, also across the loss of the leader), the empty key, a delete range over the
 * whole key space, and PD's gRPC health service. The store kill runs last.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RawKvApiV1CompatTest {
    private static final Logger LOG = LoggerFactory.getLogger(RawKvApiV1CompatTest.class);
    private static final int STORES = 3;
    private static final Duration STARTUP = Duration.ofMinutes(5);
    /** Generous: a leader lost means an election, a scheduler heartbeat and client backoff first. */
    private static final Duration PROGRESS = Duration.ofSeconds(90);

    private static final Duration STOP = Duration.ofSeconds(60);
    /** Generous: the cluster is up by then, but a loaded machine can take seconds to connect. */
    private static final Duration HEALTHY = Duration.ofSeconds(60);

    private static final int CAS_THREADS = 4;
    /** Successful swaps before the leader is killed, and again after. */
    private static final int SWAPS_PER_PHASE = 25;

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static TiSession session;
    private static RawKVClient client;

    @BeforeAll
    static void startCluster() throws InterruptedException {
        cluster = LocalCluster.start(dir, STORES);
        cluster.awaitServing(STARTUP);
        session = Sessions.openForCas(cluster.pdAddress());
        client = session.createRawClient();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        try {
            if (client != null) {
                client.close();
            }
            if (session != null) {
                session.close();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    private static ByteString s(String text) {
        return ByteString.copyFromUtf8(text);
    }

    private static List<String> keys(List<Kvrpcpb.KvPair> pairs) {
        return pairs.stream().map(p -> p.getKey().toStringUtf8()).toList();
    }

    @Test
    @Order(1)
    void pdServesTheGrpcHealthService() {
        // Fails (after HEALTHY) while Health/Check answers UNIMPLEMENTED, as it did.
        cluster.awaitHealthy("scheduler", cluster.pdAddress(), HEALTHY);
    }

    @Test
    @Order(2)
    void compareAndSetSwapsOnlyFromTheExpectedValue() {
        client.compareAndSet(s("cas/k"), Optional.empty(), s("v1"));
        assertThat(client.get(s("cas/k"))).contains(s("v1"));

        assertThatThrownBy(() -> client.compareAndSet(s("cas/k"), Optional.empty(), s("v2")))
                .isInstanceOfSatisfying(
                        RawCASConflictException.class,
                        e -> assertThat(e.getPrevValue()).contains(s("v1")));
        assertThatThrownBy(() -> client.compareAndSet(s("cas/k"), Optional.of(s("other")), s("v2")))
                .isInstanceOfSatisfying(
                        RawCASConflictException.class,
                        e -> assertThat(e.getPrevValue()).contains(s("v1")));
        assertThat(client.get(s("cas/k"))).contains(s("v1"));

        client.compareAndSet(s("cas/k"), Optional.of(s("v1")), s("v2"));
        assertThat(client.get(s("cas/k"))).contains(s("v2"));

        client.delete(s("cas/k"));
        assertThatThrownBy(() -> client.compareAndSet(s("cas/k"), Optional.of(s("v2")), s("v3")))
                .isInstanceOfSatisfying(
                        RawCASConflictException.class,
                        e -> assertThat(e.getPrevValue()).isEmpty());
    }

    @Test
    @Order(3)
    void putIfAbsentWritesOnlyAnAbsentKeyAndReturnsWhatWasThere() {
        assertThat(client.putIfAbsent(s("pia/k"), s("first"))).isEmpty();
        assertThat(client.putIfAbsent(s("pia/k"), s("second"))).contains(s("first"));
        assertThat(client.get(s("pia/k"))).contains(s("first"));
    }

    @Test
    @Order(4)
    void theEmptyKeyIsStoredAndComesFirstInAScan() {
        client.put(s("empty/a"), s("a"));
        client.put(ByteString.EMPTY, s("the empty key"));
        assertThat(client.get(ByteString.EMPTY)).contains(s("the empty key"));
        List<Kvrpcpb.KvPair> firstTwo = client.scan(ByteString.EMPTY, 2);
        assertThat(keys(firstTwo)).first().isEqualTo("");
        assertThat(firstTwo.get(0).getValue()).isEqualTo(s("the empty key"));
        client.delete(ByteString.EMPTY);
        assertThat(client.get(ByteString.EMPTY)).isEmpty();
    }

    @Test
    @Order(5)
    void deleteRangeFromTheEmptyKeyToTheEmptyKeyDeletesEverything() {
        client.put(ByteString.EMPTY, s("0"));
        client.put(s("dr/a"), s("1"));
        client.put(s("\u00ff\u00ff"), s("2"));
        assertThat(client.scan(ByteString.EMPTY, 10)).isNotEmpty();
        client.deleteRange(ByteString.EMPTY, ByteString.EMPTY);
        assertThat(client.scan(ByteString.EMPTY, 10)).isEmpty();
    }

    @Test
    @Order(6)
    void concurrentSwapsLoseNoUpdateWhenTheLeaderIsKilled() throws Exception {
        ByteString counter = s("cas/counter");
        client.put(counter, s("0"));
        List<Long> successes;
        long conflicts;
        long unknown;
        String victim;
        try (CasIncrements load = new CasIncrements(client, counter)) {
            load.start(CAS_THREADS);
            load.awaitSuccesses(SWAPS_PER_PHASE, PROGRESS, "before the kill");
            victim = "store" + cluster.storeIndex(cluster.leaderStoreOf(counter.toByteArray()));
            int before = load.successes().size();
            LOG.info("killing {} (SIGKILL), the leader of the counter's region, after {} swaps", victim, before);
            cluster.kill(victim);
            load.awaitSuccesses(before + SWAPS_PER_PHASE, PROGRESS, "with " + victim + " down");
            load.stop(STOP);
            successes = load.successes();
            conflicts = load.conflicts();
            unknown = load.unknown();
        }
        long last = Long.parseLong(client.get(counter).orElseThrow().toStringUtf8());
        LOG.info(
                "{} swaps succeeded, {} conflicted, {} unknown; the counter is {}",
                successes.size(),
                conflicts,
                unknown,
                last);

        assertThat(new HashSet<>(successes))
                .as("no two swaps succeeded from the same value (a lost update)")
                .hasSameSizeAs(successes);
        assertThat(successes).allSatisfy(v -> assertThat(v).isBetween(1L, last));
        assertThat(last)
                .as("each value was written by one swap: a success, or an attempt with an unknown end")
                .isLessThanOrEqualTo(successes.size() + conflicts + unknown);
        assertThat(cluster.unexpectedExits())
                .as("the fault happened: only the killed store stopped")
                .containsExactly(victim + " exited 137");
    }
}
