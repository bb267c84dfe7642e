package io.tinykv.client.ctl;

import static io.tinykv.client.FakeCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.proto.Errorpb;
import io.tinykv.testkit.net.RefusedPort;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CtlCommandTest {
    /** Deadline of a call to an unreachable PD. Generous: only a connect that never ends nears it. */
    static final String UNREACHABLE_DEADLINE_MS = "60000";

    private FakeCluster cluster;
    private FakeEnv env;

    @BeforeEach
    void setUp() {
        cluster = FakeCluster.threeRegions();
        env = new FakeEnv(cluster);
    }

    @AfterEach
    void tearDown() {
        env.close();
    }

    private CtlRun run(ClientFactory factory, String... args) {
        return CtlRun.of(new CtlCommand(factory), args);
    }

    /** Runs against the fake cluster, with --pd pointing at its PD. */
    private CtlRun ctl(String... args) {
        List<String> all = new ArrayList<>(List.of("--pd", env.pdAddresses().get(0)));
        all.addAll(List.of(args));
        FakeClock clock = new FakeClock();
        return run(config -> RawKvClient.create(config, env.channelFactory(), clock), all.toArray(String[]::new));
    }

    @Test
    void putThenGetThenDelete() {
        CtlRun put = ctl("put", "hello", "world");
        assertThat(put).isEqualTo(new CtlRun(0, "OK\n", ""));
        assertThat(cluster.received()).extracting(FakeCluster.Received::storeId).containsExactly(2L);

        assertThat(ctl("get", "hello")).isEqualTo(new CtlRun(0, "world\n", ""));

        assertThat(ctl("delete", "hello")).isEqualTo(new CtlRun(0, "OK\n", ""));
        assertThat(ctl("get", "hello")).isEqualTo(new CtlRun(CtlCommand.EXIT_NOT_FOUND, "", "(not found)\n"));
    }

    @Test
    void connectionOptionsMayFollowTheSubcommand() {
        FakeClock clock = new FakeClock();
        CtlRun put = run(
                config -> RawKvClient.create(config, env.channelFactory(), clock),
                "put",
                "k",
                "v",
                "--pd",
                env.pdAddresses().get(0),
                "--cf",
                "lock");

        assertThat(put.exitCode()).isZero();
        assertThat(cluster.cf("lock")).containsEntry(utf8("k"), utf8("v"));
        assertThat(ctl("get", "--cf", "lock", "k").out()).isEqualTo("v\n");
        assertThat(ctl("get", "k").exitCode()).isEqualTo(CtlCommand.EXIT_NOT_FOUND);
    }

    @Test
    void scanPrintsPairsAcrossRegionsInBothDirections() {
        for (String key : List.of("a", "f", "g", "o", "p", "z")) {
            ctl("put", key, "v" + key);
        }

        assertThat(ctl("scan").out()).isEqualTo("a: va\nf: vf\ng: vg\no: vo\np: vp\nz: vz\n");
        assertThat(ctl("scan", "--start", "f", "--end", "p", "--keys-only").out())
                .isEqualTo("f\ng\no\n");
        assertThat(ctl("scan", "--reverse", "--limit", "4").out()).isEqualTo("z: vz\np: vp\no: vo\ng: vg\n");
        assertThat(ctl("scan", "--start", "b", "--end", "c")).isEqualTo(new CtlRun(0, "", ""));
    }

    @Test
    void splitCutsTheRegionHoldingTheKeyAtItAndPrintsBothHalves() {
        ctl("put", "c", "vc");
        CtlRun split = ctl("split", "--key", "c");
        assertThat(split.exitCode()).as(split.err()).isZero();
        assertThat(split.out())
                .matches("(?s)region \\d+ \\[, c\\) version \\d+\nregion \\d+ \\[c, g\\) version \\d+\n");
        assertThat(ctl("get", "c").out()).isEqualTo("vc\n");
        CtlRun again = ctl("split", "--key", "c");
        assertThat(again.exitCode()).isEqualTo(CtlCommand.EXIT_FAILURE);
        assertThat(again.err()).contains("bad split key");
        assertThat(ctl("split", "--key", "").exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
    }

    @Test
    void hexAndBase64CarryBinaryKeysAndValues() {
        assertThat(ctl("--hex", "put", "00ff", "0a0b").exitCode()).isZero();
        assertThat(cluster.cf("default"))
                .containsEntry(
                        ByteString.copyFrom(new byte[] {0, (byte) 0xff}), ByteString.copyFrom(new byte[] {10, 11}));

        assertThat(ctl("--hex", "get", "00ff").out()).isEqualTo("0a0b\n");
        assertThat(ctl("--base64", "get", "AP8=").out()).isEqualTo("Cgs=\n");
        // as text, the same bytes are escaped so that each pair stays on one line
        assertThat(ctl("scan").out()).isEqualTo("\\x00\\xff: \\n\\x0b\n");
    }

    @Test
    void textOutputEscapesControlCharactersAndKeepsUtf8() {
        ctl("put", "naïve\\key", "line1\nline2\ttab");

        assertThat(ctl("scan").out()).isEqualTo("naïve\\\\key: line1\\nline2\\ttab\n");
    }

    @Test
    void badArgumentsAreUsageErrors() {
        CtlRun badHex = ctl("--hex", "get", "xyz");
        assertThat(badHex.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(badHex.err()).contains("key 'xyz' is not hex");

        CtlRun both = ctl("--hex", "--base64", "get", "00");
        assertThat(both.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(both.err()).contains("--hex and --base64 cannot be combined");

        CtlRun missing = ctl("put", "only-key");
        assertThat(missing.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(missing.err()).contains("Missing required parameter").contains("VALUE");

        CtlRun badLimit = ctl("scan", "--limit", "0");
        assertThat(badLimit.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(badLimit.err()).contains("--limit must be > 0");

        CtlRun badPd = run(
                config -> {
                    throw new AssertionError("must not connect");
                },
                "--pd",
                "no-port",
                "get",
                "k");
        assertThat(badPd.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(badPd.err()).contains("'no-port' is not host:port");

        CtlRun noSubcommand = ctl();
        assertThat(noSubcommand.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(noSubcommand.err()).contains("Usage: ctl").contains("get").contains("scan");
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : List.of("get", "put", "delete", "scan")) {
            CtlRun help = run(
                    config -> {
                        throw new AssertionError("help must not connect");
                    },
                    sub,
                    "--help");
            assertThat(help.exitCode()).as(sub).isZero();
            assertThat(help.out()).as(sub).contains("Usage: ctl " + sub).contains("--pd");
        }
        CtlRun top = run(
                config -> {
                    throw new AssertionError("help must not connect");
                },
                "--help");
        assertThat(top.exitCode()).isZero();
        assertThat(top.out()).contains("Usage: ctl").contains("--hex").contains("delete");
    }

    /** Stands in for the server module's Main, which registers the ctl command by class. */
    @CommandLine.Command(name = "tinykv", subcommands = CtlCommand.class)
    static final class ParentMain {}

    @Test
    void worksAsASubcommandRegisteredByClass() {
        StringWriter out = new StringWriter();
        CommandLine main = new CommandLine(new ParentMain());
        main.setOut(new PrintWriter(out, true));

        int exitCode = main.execute("ctl", "scan", "--help");

        assertThat(exitCode).isZero();
        assertThat(out.toString())
                .contains("Usage: tinykv ctl scan")
                .contains("--reverse")
                .contains("--pd");
    }

    @Test
    void storeErrorsGoToStderrWithAFailureCode() {
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setMessage("entry too large")
                        .setRaftEntryTooLarge(
                                Errorpb.RaftEntryTooLarge.newBuilder().setEntrySize(1))
                        .build(),
                1);

        CtlRun put = ctl("put", "a", "1");

        assertThat(put.exitCode()).isEqualTo(CtlCommand.EXIT_FAILURE);
        assertThat(put.out()).isEmpty();
        assertThat(put.err()).startsWith("error: put failed: raft_entry_too_large");
    }

    @Test
    void nothingListeningIsAClearError() throws IOException {
        // Held bound, never listening: refused, and no other process can start listening there meanwhile.
        try (RefusedPort closedPort = new RefusedPort()) {
            String address = closedPort.address();
            // The real network client. A refused connection comes back at once; the deadline only has
            // to outlast a busy machine setting up its first channel, or the answer would be "no
            // answer within ..." instead.
            CtlRun run =
                    CtlRun.of(new CtlCommand(), "--pd", address, "--timeout-ms", UNREACHABLE_DEADLINE_MS, "get", "k");

            assertThat(run.exitCode()).isEqualTo(CtlCommand.EXIT_FAILURE);
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEqualTo("error: cannot reach PD at " + address + ": connection refused\n");
        }
    }
}
