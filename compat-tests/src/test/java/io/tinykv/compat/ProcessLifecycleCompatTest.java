package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/** Restarts and a second process on the same data dir, with the official TiKV Java client. */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class ProcessLifecycleCompatTest {

    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final Duration SHUTDOWN = Duration.ofSeconds(60);
    /** 128 + SIGTERM (15): the JVM's exit code after running its shutdown hooks on SIGTERM. */
    private static final int EXIT_ON_SIGTERM = 143;
    /** StandaloneCommand's exit code for a data dir owned by another process (EXIT_DATA_DIR_LOCKED). */
    private static final int EXIT_DATA_DIR_LOCKED = 3;

    @TempDir
    Path dir;

    private static ByteString s(String text) {
        return ByteString.copyFromUtf8(text);
    }

    @Test
    void dataSurvivesSigtermAndRestart() throws Exception {
        Path data = dir.resolve("data");
        byte[] big = new byte[1024 * 1024];
        Arrays.fill(big, (byte) 0xab);
        try (TinykvProcess first = TinykvProcess.start(data, dir.resolve("first.log"))) {
            first.awaitServing(STARTUP);
            try (TiSession session = Sessions.open(first.address());
                    RawKVClient client = session.createRawClient()) {
                client.put(s("durable/a"), s("1"));
                client.put(s("durable/big"), ByteString.copyFrom(big));
                client.put(s("durable/gone"), s("x"));
                client.delete(s("durable/gone"));
            }
            assertThat(first.terminate(SHUTDOWN)).isEqualTo(EXIT_ON_SIGTERM);
            assertThat(first.log())
                    .contains("standalone shutting down")
                    .containsPattern("store \\d+ shut down")
                    .contains("scheduler stopped")
                    .contains("shutdown complete");
        }
        try (TinykvProcess second = TinykvProcess.start(data, dir.resolve("second.log"))) {
            second.awaitServing(STARTUP);
            try (TiSession session = Sessions.open(second.address());
                    RawKVClient client = session.createRawClient()) {
                assertThat(client.get(s("durable/a"))).contains(s("1"));
                assertThat(client.get(s("durable/big")).orElseThrow().toByteArray())
                        .isEqualTo(big);
                assertThat(client.get(s("durable/gone"))).isEmpty();
            }
        }
    }

    @Test
    void aSecondProcessOnTheSameDataDirIsRefused() throws Exception {
        Path data = dir.resolve("data");
        try (TinykvProcess owner = TinykvProcess.start(data, dir.resolve("owner.log"))) {
            owner.awaitServing(STARTUP);
            try (TinykvProcess intruder = TinykvProcess.start(data, dir.resolve("intruder.log"))) {
                assertThat(intruder.awaitExit(STARTUP)).isEqualTo(EXIT_DATA_DIR_LOCKED);
                assertThat(intruder.log())
                        .contains("is in use by another tinykv process")
                        .contains("LOCK");
                assertThat(intruder.log()).doesNotContain("opened kv engine");
            }
            assertThat(owner.isAlive()).isTrue();
            try (TiSession session = Sessions.open(owner.address());
                    RawKVClient client = session.createRawClient()) {
                client.put(s("owner/k"), s("v"));
                assertThat(client.get(s("owner/k"))).contains(s("v"));
            }
        }
    }
}
