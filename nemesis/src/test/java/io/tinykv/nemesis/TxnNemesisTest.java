package io.tinykv.nemesis;

import io.tinykv.compat.TikvClientTxnExecutor;
import io.tinykv.scheduler.ClientKeyMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tikv.common.TiConfiguration;
import org.tikv.common.TiSession;

/**
 * A scheduler in TXN key mode and three {@code tinykv server} processes under every fault in turn and
 * then all of them mixed: bank and list-append transactions through the official TiKV Java client's
 * transactional API (its two-phase committer), checked by the testkit's bank and Elle-style checkers.
 * The short (CI) run keeps to the mix, every fault in it once, since {@link RawKvNemesisTest} has the
 * per-fault phases; a soak ({@code -Dnemesis.minutes}) runs a phase per fault here too.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class TxnNemesisTest {
    private static final int STORES = 3;
    private static final int DISK_STORE = 2;
    private static final long DISK_BYTES = 256L << 20;
    private static final int THREADS_EACH = 3;
    /** Short enough to give up on a paused or cut-off leader while the fault lasts. */
    private static final long RPC_TIMEOUT_MILLIS = 1_000;

    private static final int HEALTH_CHECK_TIMEOUT_MILLIS = 2_000;
    private static final long LOCK_TTL_MILLIS = 3_000;
    /** Each commit step's retry budget: long enough to ride out an election. */
    private static final int STEP_BACKOFF_MILLIS = 20_000;

    /** Transactions writing one large value each (a list of longs), for the disk-full fault. */
    private static long burst(TikvClientTxnExecutor executor, long bytes, long deadlineNanos) {
        List<Long> value = java.util.Collections.nCopies(Nemesis.WritePressure.CHUNK_BYTES / Long.BYTES, 0L);
        long acknowledged = 0;
        for (long written = 0;
                written < bytes && System.nanoTime() - deadlineNanos < 0;
                written += Nemesis.WritePressure.CHUNK_BYTES) {
            try {
                var txn = executor.begin();
                txn.write("nemesis-pressure/" + System.nanoTime(), value);
                if (txn.commit() == io.tinykv.testkit.history.Outcome.OK) {
                    acknowledged += Nemesis.WritePressure.CHUNK_BYTES;
                }
            } catch (io.tinykv.testkit.txn.TxnFailedException | RuntimeException refused) {
                // A full store may refuse or time out: that is the fault, not a test failure.
            }
        }
        return acknowledged;
    }

    @Test
    void bankAndListAppendThroughTheTikvClientStayCorrectUnderEveryFaultAndTheirMix() throws Exception {
        NemesisSettings settings = NemesisSettings.fromSystemProperties();
        boolean disk = settings.diskFull() && TmpfsDisk.canMount();
        Path dir = RunDirectory.create("txn");
        try (NemesisCluster cluster =
                NemesisCluster.start(dir, STORES, ClientKeyMode.TXN, disk ? DISK_STORE : 0, DISK_BYTES)) {
            cluster.awaitServing(NemesisHarness.STARTUP);
            TiConfiguration conf = TiConfiguration.createDefault(cluster.pdAddress());
            conf.setTimeout(RPC_TIMEOUT_MILLIS);
            conf.setGrpcHealthCheckTimeout(HEALTH_CHECK_TIMEOUT_MILLIS);
            try (TiSession session = TiSession.create(conf);
                    TikvClientTxnExecutor executor =
                            new TikvClientTxnExecutor(session, "", LOCK_TTL_MILLIS, STEP_BACKOFF_MILLIS)) {
                NemesisHarness.run(
                        "TXN cluster (TiKV client)",
                        cluster,
                        List.of(),
                        List.of(
                                new TxnWorkload("tikv-client", executor, TxnWorkload.Kind.BANK),
                                new TxnWorkload("tikv-client", executor, TxnWorkload.Kind.LIST_APPEND)),
                        THREADS_EACH,
                        settings,
                        settings.soak(),
                        (bytes, deadline) -> burst(executor, bytes, deadline));
            }
        }
        if (!settings.keepLogs()) {
            RunDirectory.delete(dir); // only reached when the run passed: a failed run keeps its logs
        }
    }
}
