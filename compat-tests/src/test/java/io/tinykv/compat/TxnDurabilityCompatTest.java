package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.SequencedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;
import org.tikv.common.meta.TiTimestamp;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;

/**
 * Committed transactions, the locks of an unfinished one, and the TSO survive SIGTERM and a
 * restart on the same data dir, as seen by the official TiKV Java client.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnDurabilityCompatTest {

    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final Duration SHUTDOWN = Duration.ofSeconds(60);
    /** 128 + SIGTERM (15): the JVM's exit code after running its shutdown hooks on SIGTERM. */
    private static final int EXIT_ON_SIGTERM = 143;

    private static final long LOCK_TTL_MILLIS = 3_600_000;

    @TempDir
    Path dir;

    private static byte[] b(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static SequencedMap<byte[], byte[]> writes(String... keysAndValues) {
        SequencedMap<byte[], byte[]> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(b(keysAndValues[i]), b(keysAndValues[i + 1]));
        }
        return map;
    }

    private static String get(KVClient kv, String key, long version) {
        return kv.get(ByteString.copyFromUtf8(key), version).toStringUtf8();
    }

    @Test
    void committedDataLocksAndTheTsoSurviveSigtermAndRestart() throws Exception {
        Path data = dir.resolve("data");
        TiTimestamp beforeCommit;
        long commitTs;
        long halfCommitTs;
        TiTimestamp lastBeforeRestart;
        try (TinykvProcess first = TinykvProcess.start(data, dir.resolve("first.log"))) {
            first.awaitServing(STARTUP);
            try (TiSession session = Sessions.openTransactional(first.address());
                    KVClient kv = session.createKVClient()) {
                beforeCommit = session.getTimestamp();
                try (TwoPhaseWrites txn = TwoPhaseWrites.begin(
                        session,
                        writes("durable/p", "p1", "durable/s1", "s1", "durable/s2", "s2"),
                        LOCK_TTL_MILLIS,
                        TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS)) {
                    commitTs = txn.commit();
                }
                // A second transaction stops after committing its primary: its secondary's lock
                // must survive the restart for a later reader to resolve.
                try (TwoPhaseWrites half = TwoPhaseWrites.begin(
                        session,
                        writes("durable/half-p", "hp", "durable/half-s", "hs"),
                        LOCK_TTL_MILLIS,
                        TwoPhaseWrites.DEFAULT_BACKOFF_MILLIS)) {
                    half.prewritePrimary();
                    half.prewriteSecondaries();
                    halfCommitTs = half.commitPrimary();
                }
                assertThat(get(kv, "durable/s1", session.getTimestamp().getVersion()))
                        .isEqualTo("s1");
                lastBeforeRestart = session.getTimestamp();
            }
            assertThat(first.terminate(SHUTDOWN)).isEqualTo(EXIT_ON_SIGTERM);
        }
        try (TinykvProcess second = TinykvProcess.start(data, dir.resolve("second.log"))) {
            second.awaitServing(STARTUP);
            try (TiSession session = Sessions.openTransactional(second.address());
                    KVClient kv = session.createKVClient();
                    LockProbe probe = new LockProbe(session, second.storeAddress())) {
                TiTimestamp afterRestart = session.getTimestamp();
                assertThat(afterRestart.getVersion()).isGreaterThan(lastBeforeRestart.getVersion());
                long now = afterRestart.getVersion();
                assertThat(get(kv, "durable/p", now)).isEqualTo("p1");
                assertThat(get(kv, "durable/s1", now)).isEqualTo("s1");
                assertThat(get(kv, "durable/s2", now)).isEqualTo("s2");
                // Old versions keep their meaning across the restart.
                assertThat(get(kv, "durable/p", beforeCommit.getVersion())).isEmpty();
                assertThat(get(kv, "durable/p", commitTs)).isEqualTo("p1");

                assertThat(probe.lockSeenAt(b("durable/half-s"), now)).isPresent();
                assertThat(get(kv, "durable/half-s", now)).isEqualTo("hs");
                assertThat(get(kv, "durable/half-s", halfCommitTs)).isEqualTo("hs");
                assertThat(probe.lockSeenAt(
                                b("durable/half-s"), session.getTimestamp().getVersion()))
                        .isEmpty();
            }
        }
    }
}
