package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.TiSession;
import org.tikv.txn.KVClient;

/**
 * P0 issue 11's workload against a real {@code tinykv standalone}: the TiKV client's bank with a
 * 1 s lock TTL, four writers on ten accounts and a reader summing full snapshots. Every snapshot
 * must sum to the total. {@code -Dtinykv.soak.seconds=N} runs it longer.
 */
@SuppressWarnings("try")
class SnapshotBankCompatTest {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotBankCompatTest.class);
    private static final Duration STARTUP = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void everySnapshotSumsToTheTotalUnderContentionWithShortLockTtl() throws Exception {
        Duration duration = Soak.duration(20);
        SnapshotBank.Config config = SnapshotBank.Config.issue11();
        try (TinykvProcess tinykv = TinykvProcess.start(dir.resolve("data"), dir.resolve("tinykv.log"))
                        .awaitServing(STARTUP);
                TiSession session = Sessions.openTransactional(tinykv.address());
                KVClient kv = session.createKVClient()) {
            SnapshotBank bank = new SnapshotBank(session, kv, config);
            bank.initialize();
            SnapshotBank.Result result = bank.run(duration, Soak.seed(), () -> {});
            LOG.info("snapshot bank on standalone, {} s: {}; torn: {}", duration.toSeconds(), result, result.torn());
            assertThat(result.torn()).as("torn snapshots; %s", result).isEmpty();
            assertThat(result.finalSum()).isEqualTo(config.total());
            assertThat(result.committed()).as("committed transfers; %s", result).isPositive();
            assertThat(result.snapshots()).as("snapshots; %s", result).isPositive();
        }
    }
}
