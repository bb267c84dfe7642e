package io.tinykv.nemesis;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.compat.TxnKvClientExecutor;
import io.tinykv.scheduler.ClientKeyMode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tikv.common.TiConfiguration;
import org.tikv.common.TiSession;
import org.tikv.raw.RawKVClient;

/**
 * A scheduler and three {@code tinykv server} processes in RAW key mode under every fault in turn and
 * then all of them mixed: linearizable registers through the official TiKV Java client and through
 * ours, and bank and list-append transactions through our transactional client.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class RawKvNemesisTest {
    private static final int STORES = 3;
    /** The store whose data directory is a tmpfs for the disk-full fault. */
    private static final int DISK_STORE = 3;

    private static final long DISK_BYTES = 256L << 20;
    private static final int REGISTER_KEYS = 6;
    private static final int THREADS_EACH = 2;
    /**
     * Per-call timeouts short enough that a client stuck on a paused or cut-off leader gives up on it and
     * finds the new one while the fault lasts (so reads and writes go on through the new leader and the
     * old one, when it comes back, meets clients that still route to it), long enough for a loaded machine.
     */
    private static final long TIKV_RPC_TIMEOUT_MILLIS = 1_000;

    private static final long OUR_PD_TIMEOUT_MILLIS = 2_000;
    private static final long OUR_KV_TIMEOUT_MILLIS = 1_000;
    private static final int TIKV_OPERATION_TIMEOUT_MILLIS = 20_000;
    private static final int TIKV_HEALTH_CHECK_TIMEOUT_MILLIS = 2_000;

    @Test
    void registersAndTransactionsStayCorrectUnderEveryFaultAndTheirMix() throws Exception {
        NemesisSettings settings = NemesisSettings.fromSystemProperties();
        boolean disk = settings.diskFull() && TmpfsDisk.canMount();
        Path dir = RunDirectory.create("raw");
        try (NemesisCluster cluster =
                NemesisCluster.start(dir, STORES, ClientKeyMode.RAW, disk ? DISK_STORE : 0, DISK_BYTES)) {
            cluster.awaitServing(NemesisHarness.STARTUP);
            ClientConfig ours = ClientConfig.of(List.of(cluster.pdAddress()))
                    .withTimeoutsMs(OUR_PD_TIMEOUT_MILLIS, OUR_KV_TIMEOUT_MILLIS);
            try (TiSession session = TiSession.create(tikvRawConfig(cluster.pdAddress()));
                    RawKVClient tikv = session.createRawClient();
                    RawKvClient raw = RawKvClient.create(ours);
                    TxnKvClient txn = TxnKvClient.create(ours)) {
                TxnKvClientExecutor executor = new TxnKvClientExecutor(txn, "");
                NemesisHarness.run(
                        "RAW cluster (TiKV client + ours)",
                        cluster,
                        List.of(
                                new RegisterWorkload(RegisterClient.tikv(tikv), REGISTER_KEYS),
                                new RegisterWorkload(RegisterClient.ours(raw), REGISTER_KEYS)),
                        List.of(
                                new TxnWorkload("tinykv-client", executor, TxnWorkload.Kind.BANK),
                                new TxnWorkload("tinykv-client", executor, TxnWorkload.Kind.LIST_APPEND)),
                        THREADS_EACH,
                        settings,
                        true,
                        (bytes, deadline) -> burst(raw, bytes, deadline));
            }
        }
        if (!settings.keepLogs()) {
            RunDirectory.delete(dir); // only reached when the run passed: a failed run keeps its logs
        }
    }

    /** Puts of large values of keys of their own, for the disk-full fault. */
    private static long burst(RawKvClient client, long bytes, long deadlineNanos) {
        byte[] value = new byte[Nemesis.WritePressure.CHUNK_BYTES];
        long acknowledged = 0;
        for (long written = 0; written < bytes && System.nanoTime() - deadlineNanos < 0; written += value.length) {
            try {
                client.put(
                        com.google.protobuf.ByteString.copyFromUtf8("nemesis-pressure/" + System.nanoTime()),
                        com.google.protobuf.ByteString.copyFrom(value));
                acknowledged += value.length;
            } catch (RuntimeException refused) {
                // A full store may refuse or time out: that is the fault, not a test failure.
            }
        }
        return acknowledged;
    }

    /** The client's 200 ms default call timeout is tight on a loaded two-core machine. */
    private static TiConfiguration tikvRawConfig(String pd) {
        TiConfiguration conf = TiConfiguration.createRawDefault(pd);
        conf.setTimeout(TIKV_RPC_TIMEOUT_MILLIS);
        conf.setGrpcHealthCheckTimeout(TIKV_HEALTH_CHECK_TIMEOUT_MILLIS);
        conf.setRawKVWriteTimeoutInMS(TIKV_OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVReadTimeoutInMS(TIKV_OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVBatchWriteTimeoutInMS(TIKV_OPERATION_TIMEOUT_MILLIS);
        conf.setRawKVBatchReadTimeoutInMS(TIKV_OPERATION_TIMEOUT_MILLIS);
        return conf;
    }
}
