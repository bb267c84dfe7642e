package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.ctl.CtlCommand;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.testkit.wait.Await;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code tinykv ctl split} on a cluster of transactional data, over real processes: a scheduler in
 * TXN key mode and one store. {@code split --txn} cuts at the memcomparable encoding of the user key
 * (as TiKV's client does with {@code is_raw_kv} false), {@code regions --txn} prints the boundary as
 * that user key, and the transactions' keys stay readable on both sides. A split without
 * {@code --txn} names a raw key, which a TXN-mode cluster refuses instead of cutting at it.
 */
class CtlSplitTxnCompatTest {
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final List<String> KEYS = List.of("acct/1", "acct/3", "acct/5", "acct/7");
    private static final String SPLIT_AT = "acct/5";

    @TempDir
    Path dir;

    /** What one run of ctl printed and returned. */
    record Run(int exitCode, String out, String err) {}

    private static Run ctl(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new CtlCommand());
        command.setOut(new PrintWriter(out, true));
        command.setErr(new PrintWriter(err, true));
        int exitCode = command.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void splitWithTxnCutsAtTheEncodedUserKeyAndRegionsPrintsItDecoded() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 1, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            String pd = cluster.pdAddress();
            ClientConfig config = ClientConfig.of(List.of(pd));
            try (TxnKvClient client = TxnKvClient.create(config)) {
                try (Transaction txn = client.begin()) {
                    for (String k : KEYS) {
                        txn.put(utf8(k), utf8("v-" + k));
                    }
                    txn.commit();
                }

                Run split = ctl("--pd", pd, "split", "--txn", "--key", SPLIT_AT);
                assertThat(split.exitCode()).as(split.err()).isZero();
                assertThat(split.out())
                        .matches("region \\d+ \\[, acct/5\\) version \\d+\nregion \\d+ \\[acct/5, \\) version \\d+\n");

                ByteString encoded = ByteString.copyFrom(
                        MemComparableCodec.encode(SPLIT_AT.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                try (PdClient raw = PdClient.connect(config)) {
                    // The split is applied when ctl returns, but the scheduler learns the new region
                    // only from its leader's first heartbeat, once it has been elected: until then PD
                    // knows the shrunk left region and nothing right of it (TiKV's PD has the same gap).
                    Await.until(
                            () -> raw.getRegion(encoded).isPresent()
                                    && raw.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 0)
                                                    .size()
                                            == 2,
                            STARTUP,
                            "the scheduler knows both regions of the split");
                    RegionInfo right = raw.getRegion(encoded).orElseThrow();
                    assertThat(right.startKey())
                            .as("the region's boundary as the store keeps it")
                            .isEqualTo(encoded);
                    assertThat(raw.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 0))
                            .hasSize(2);
                }

                Run decoded = ctl("--pd", pd, "regions", "--txn");
                assertThat(decoded.exitCode()).as(decoded.err()).isZero();
                assertThat(decoded.out()).contains("-inf", "\"acct/5\"", "+inf");
                Run asStored = ctl("--pd", pd, "regions");
                assertThat(asStored.out()).contains("\"acct/5\\x00\\x00\\xfd\"");

                Run rawSplit = ctl("--pd", pd, "split", "--key", "acct/7");
                assertThat(rawSplit.exitCode()).as(rawSplit.out()).isEqualTo(CtlCommand.EXIT_FAILURE);
                // PD names the key (hex of "acct/7") and why it cannot be a boundary here.
                assertThat(rawSplit.err()).contains("not a memcomparable-encoded key", "616363742f37");

                try (Transaction txn = client.begin()) {
                    for (String k : KEYS) {
                        assertThat(txn.get(utf8(k))).as(k).contains(utf8("v-" + k));
                    }
                }
            }
            assertThat(cluster.unexpectedExits()).isEmpty();
        }
    }
}
