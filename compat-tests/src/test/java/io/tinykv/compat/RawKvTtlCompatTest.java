package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.server.playground.ChildProcess;
import io.tinykv.server.playground.ChildSpec;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;
import org.tikv.kvproto.Kvrpcpb;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * RawKV TTL as the TiKV Java client uses it against TiKV with {@code [storage] enable-ttl = true},
 * here a {@code tinykv scheduler} and a {@code tinykv server --enable-ttl} as real processes: keys put
 * with a ttl vanish for get, batch get, scan and CAS once it passes, {@code getKeyTTL} counts down,
 * and the store refuses a restart without {@code --enable-ttl}. (A store created without TTL refusing
 * a ttl: {@link RawKvCompatTest}.)
 *
 * <p>Short ttls (1 s) are waited out by polling the answer with a deadline; what must still be there
 * has a ttl far beyond the test's run (10 min), so no assertion depends on how fast the machine is.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RawKvTtlCompatTest {
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final Duration STOP = Duration.ofSeconds(60);
    /** How long a 1-second ttl may take to show, on a loaded machine. */
    private static final Duration EXPIRY = Duration.ofSeconds(30);

    private static final long SHORT_TTL_SECONDS = 1;
    private static final long LONG_TTL_SECONDS = 600;
    private static final int SCAN_LIMIT = 100;
    /** {@code tinykv server}'s exit code for a configuration that cannot be used. */
    private static final int EXIT_BAD_CONFIG = 2;

    private static final String STORE = "store1";

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static TiSession session;
    private static RawKVClient client;

    @BeforeAll
    static void startCluster() throws InterruptedException {
        cluster = LocalCluster.start(dir, 1, ClientKeyMode.RAW, true);
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

    /** The client's batchGet sorts the list it is given. */
    private static List<ByteString> mutable(ByteString... keys) {
        return new ArrayList<>(List.of(keys));
    }

    private static List<String> keys(List<Kvrpcpb.KvPair> pairs) {
        return pairs.stream().map(p -> p.getKey().toStringUtf8()).toList();
    }

    @Test
    @Order(1)
    void aKeyWithTtlIsReadableThenGoneForGetBatchGetAndGetKeyTtl() throws InterruptedException {
        client.put(s("put/short"), s("v"), SHORT_TTL_SECONDS);
        client.put(s("put/long"), s("v"), LONG_TTL_SECONDS);
        client.put(s("put/forever"), s("f"));
        assertThat(client.get(s("put/long"))).contains(s("v"));
        assertThat(client.getKeyTTL(s("put/long")))
                .hasValueSatisfying(ttl -> assertThat(ttl).isPositive().isLessThanOrEqualTo(LONG_TTL_SECONDS));
        assertThat(client.getKeyTTL(s("put/forever"))).as("no ttl: 0, as TiKV").contains(0L);
        assertThat(client.getKeyTTL(s("put/never-written"))).isEmpty();

        await("put/short expires", () -> client.get(s("put/short")).isEmpty());
        assertThat(client.getKeyTTL(s("put/short"))).isEmpty();
        assertThat(keys(client.batchGet(mutable(s("put/short"), s("put/long"), s("put/forever")))))
                .containsExactlyInAnyOrder("put/long", "put/forever");
        assertThat(client.get(s("put/long"))).contains(s("v"));
    }

    @Test
    @Order(2)
    void getKeyTtlCountsDown() throws InterruptedException {
        client.put(s("countdown"), s("v"), LONG_TTL_SECONDS);
        long first = client.getKeyTTL(s("countdown")).orElseThrow();
        assertThat(first).isPositive().isLessThanOrEqualTo(LONG_TTL_SECONDS);
        await(
                "getKeyTTL drops below " + first,
                () -> client.getKeyTTL(s("countdown")).orElseThrow() < first);
    }

    @Test
    @Order(3)
    void batchPutAppliesItsTtlToEveryPair() throws InterruptedException {
        client.batchPut(Map.of(s("batch/a"), s("1"), s("batch/b"), s("2")), SHORT_TTL_SECONDS);
        client.batchPut(Map.of(s("batch/c"), s("3")), LONG_TTL_SECONDS);
        await(
                "batch/a and batch/b expire",
                () -> keys(client.batchGet(mutable(s("batch/a"), s("batch/b"), s("batch/c"))))
                        .equals(List.of("batch/c")));
        assertThat(client.getKeyTTL(s("batch/c")))
                .hasValueSatisfying(ttl -> assertThat(ttl).isPositive().isLessThanOrEqualTo(LONG_TTL_SECONDS));
    }

    @Test
    @Order(4)
    void scansSkipExpiredKeys() throws InterruptedException {
        client.put(s("scan/a"), s("1"));
        client.put(s("scan/b"), s("2"), SHORT_TTL_SECONDS);
        client.put(s("scan/c"), s("3"), LONG_TTL_SECONDS);
        client.put(s("scan/d"), s("4"), SHORT_TTL_SECONDS);
        await(
                "scan/b and scan/d expire",
                () -> keys(client.scan(s("scan/"), s("scan0"), SCAN_LIMIT)).equals(List.of("scan/a", "scan/c")));
        assertThat(keys(client.scan(s("scan/"), s("scan0"), SCAN_LIMIT, true))).containsExactly("scan/a", "scan/c");
        assertThat(client.scan(s("scan/"), s("scan0"), SCAN_LIMIT))
                .extracting(Kvrpcpb.KvPair::getValue)
                .containsExactly(s("1"), s("3"));
        assertThat(keys(client.scan(s("scan/"), s("scan0"), 1)))
                .as("the limit counts live keys")
                .containsExactly("scan/a");
    }

    @Test
    @Order(5)
    void compareAndSetWritesItsTtlAndAnExpiredValueCountsAsAbsent() throws Exception {
        client.compareAndSet(s("cas/k"), Optional.empty(), s("v1"), SHORT_TTL_SECONDS);
        await("cas/k expires", () -> client.get(s("cas/k")).isEmpty());
        assertThat(client.putIfAbsent(s("cas/k"), s("v2"), LONG_TTL_SECONDS))
                .as("putIfAbsent over the expired v1 finds nothing there")
                .isEmpty();
        assertThat(client.get(s("cas/k"))).contains(s("v2"));
        assertThat(client.getKeyTTL(s("cas/k")))
                .hasValueSatisfying(ttl -> assertThat(ttl).isPositive().isLessThanOrEqualTo(LONG_TTL_SECONDS));
    }

    /**
     * The stored format depends on the setting: a restart without {@code --enable-ttl} is refused
     * with a message saying what to do, and the restart with it finds the keys and their expiries.
     */
    @Test
    @Order(6)
    void theStoreRefusesARestartWithoutEnableTtl() throws Exception {
        client.put(s("restart/k"), s("v"), LONG_TTL_SECONDS);
        long before = client.getKeyTTL(s("restart/k")).orElseThrow();
        cluster.terminate(STORE, STOP);

        ChildSpec withTtl = cluster.restartSpec(STORE);
        assertThat(withTtl.args()).contains("--enable-ttl");
        List<String> args = new ArrayList<>(withTtl.args());
        args.remove("--enable-ttl");
        ChildProcess refused = cluster.start(new ChildSpec(STORE, withTtl.address(), args, withTtl.logFile()));
        assertThat(refused.awaitExit(STOP))
                .as("the store without --enable-ttl stops by itself")
                .isTrue();
        assertThat(refused.exitCode()).isEqualTo(EXIT_BAD_CONFIG);
        assertThat(Files.readString(withTtl.logFile()))
                .contains("was created with storage.enable-ttl = true, but this start has storage.enable-ttl = false")
                .contains("start with storage.enable-ttl = true (--enable-ttl)");

        cluster.restart(STORE);
        cluster.awaitServing(STARTUP);
        // The client's connection died with the old process; its first calls may fail while it reconnects.
        await("the restarted store serves restart/k", STARTUP, () -> {
            try {
                return client.get(s("restart/k")).equals(Optional.of(s("v")));
            } catch (RuntimeException notYet) {
                return false;
            }
        });
        assertThat(client.getKeyTTL(s("restart/k")))
                .as("the expiry was stored, not restarted")
                .hasValueSatisfying(ttl -> assertThat(ttl).isPositive().isLessThanOrEqualTo(before));
        assertThat(client.get(s("put/short")))
                .as("expired before the restart, expired after it")
                .isEmpty();
    }

    /**
     * Polls {@code condition} until it holds or {@link #EXPIRY} passes: expiry follows the store's
     * clock in another process, so there is nothing to block on but the answer.
     */
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(what, EXPIRY, condition);
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Await.until(condition, timeout, () -> what + "\n" + cluster.logs());
    }
}
