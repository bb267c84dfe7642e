package io.tinykv.client.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.client.txn.TxnTestCluster;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ctl txn ...} against real transaction commands behind fake PD and stores (three regions). */
class TxnCtlCommandTest {
    private static final long BUDGET_MS = 1_000;
    private static final Pattern COMMITTED = Pattern.compile("committed start_ts=(\\d+) commit_ts=(\\d+)\n");

    @TempDir
    Path dataDir;

    private TxnTestCluster cluster;

    @BeforeEach
    void setUp() {
        cluster = new TxnTestCluster(FakeCluster.threeTxnRegions(), dataDir);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private CtlRun run(String stdin, String... args) {
        FakeClock clock = new FakeClock();
        CtlCommand ctl = new CtlCommand(
                config -> {
                    throw new AssertionError("txn commands must not open a RawKV client");
                },
                config -> cluster.client(clock, BUDGET_MS),
                new StringReader(stdin));
        List<String> all =
                new ArrayList<>(List.of("--pd", cluster.env().pdAddresses().get(0)));
        all.addAll(List.of(args));
        return CtlRun.of(ctl, all.toArray(String[]::new));
    }

    private CtlRun ctl(String... args) {
        return run("", args);
    }

    @Test
    void putGetScanDeleteAsOneShotTransactions() {
        CtlRun put = ctl("txn", "put", "a", "1", "h", "2", "q", "3");
        assertThat(put.exitCode()).isZero();
        var m = COMMITTED.matcher(put.out());
        assertThat(m.matches()).as(put.out()).isTrue();
        assertThat(Long.parseLong(m.group(2))).isGreaterThan(Long.parseLong(m.group(1)));

        CtlRun get = ctl("txn", "get", "h");
        assertThat(get.exitCode()).isZero();
        assertThat(get.out()).isEqualTo("2\n");
        assertThat(get.err()).matches("start_ts=\\d+\n");

        CtlRun several = ctl("txn", "get", "q", "zz", "a");
        assertThat(several.exitCode()).isEqualTo(CtlCommand.EXIT_NOT_FOUND);
        assertThat(several.out()).isEqualTo("q: 3\na: 1\n");
        assertThat(several.err()).startsWith("(not found) zz\n");

        assertThat(ctl("txn", "scan").out()).isEqualTo("a: 1\nh: 2\nq: 3\n");
        assertThat(ctl("txn", "scan", "--start", "b", "--limit", "1", "--keys-only")
                        .out())
                .isEqualTo("h\n");

        CtlRun delete = ctl("txn", "delete", "a", "q");
        assertThat(delete.exitCode()).isZero();
        assertThat(delete.out()).matches(COMMITTED.pattern());
        assertThat(ctl("txn", "scan").out()).isEqualTo("h: 2\n");
        CtlRun absent = ctl("txn", "get", "a");
        assertThat(absent.exitCode()).isEqualTo(CtlCommand.EXIT_NOT_FOUND);
        assertThat(absent.out()).isEmpty();
        assertThat(absent.err()).matches("\\(not found\\)\nstart_ts=\\d+\n");
    }

    @Test
    void hexKeysAndValues() {
        assertThat(ctl("--hex", "txn", "put", "00ff", "0a0b").exitCode()).isZero();
        assertThat(ctl("--hex", "txn", "get", "00ff").out()).isEqualTo("0a0b\n");
        assertThat(ctl("txn", "scan").out()).isEqualTo("\\x00\\xff: \\n\\x0b\n");
    }

    @Test
    void shellRunsTransactionsOverSeveralCommands() {
        ctl("txn", "put", "a", "old");
        String script = String.join(
                "\n",
                "# a comment",
                "begin",
                "get a",
                "put a new",
                "put b 2",
                "get a",
                "scan",
                "commit",
                "get b",
                "delete b",
                "rollback",
                "scan a z 5",
                "");

        CtlRun shell = run(script, "txn", "shell");

        assertThat(shell.err()).isEmpty();
        assertThat(shell.exitCode()).isZero();
        String normalized =
                shell.out().replaceAll("start_ts=\\d+", "start_ts=S").replaceAll("commit_ts=\\d+", "commit_ts=C");
        assertThat(normalized)
                .isEqualTo(String.join(
                        "\n",
                        "begin start_ts=S",
                        "old",
                        "OK",
                        "OK",
                        "new",
                        "a: new",
                        "b: 2",
                        "committed start_ts=S commit_ts=C",
                        "begin start_ts=S", // get outside a transaction begins one
                        "2",
                        "OK",
                        "rolled back start_ts=S",
                        "begin start_ts=S",
                        "a: new",
                        "b: 2",
                        "rolled back start_ts=S (end of input)",
                        ""));
    }

    @Test
    void shellReportsErrorsAndGoesOn() {
        CtlRun shell = run("bogus\nput a\ncommit\nbegin\nbegin\nput a 1\ncommit\n", "txn", "shell");

        assertThat(shell.exitCode()).isEqualTo(CtlCommand.EXIT_FAILURE);
        assertThat(shell.err())
                .contains("error: unknown command 'bogus'")
                .contains("error: put takes 2 argument(s), got 1")
                .contains("error: commit: no transaction is open")
                .contains("error: a transaction is open");
        assertThat(shell.out()).contains("committed start_ts=");
        assertThat(ctl("txn", "get", "a").out()).isEqualTo("1\n");
    }

    /** Hands out lines, running {@code hook} just before line {@code hookBeforeLine} (0-based). */
    private static final class HookedInput extends BufferedReader {
        private final List<String> lines;
        private final int hookBeforeLine;
        private final Runnable hook;
        private int next;

        HookedInput(List<String> lines, int hookBeforeLine, Runnable hook) {
            super(new StringReader(""));
            this.lines = lines;
            this.hookBeforeLine = hookBeforeLine;
            this.hook = hook;
        }

        @Override
        public String readLine() {
            if (next == hookBeforeLine) {
                hook.run();
            }
            return next < lines.size() ? lines.get(next++) : null;
        }
    }

    @Test
    void aWriteConflictInTheShellIsReportedAndEndsTheTransaction() {
        List<String> script = List.of("begin", "put k mine", "commit", "get k");
        FakeClock clock = new FakeClock();
        // Another client commits k after the shell's transaction began and before it commits.
        Runnable otherWriter = () -> {
            try (TxnKvClient other = cluster.client(clock, BUDGET_MS);
                    Transaction t = other.begin()) {
                t.put(FakeCluster.utf8("k"), FakeCluster.utf8("theirs"));
                t.commit();
            }
        };
        CtlCommand ctl = new CtlCommand(
                config -> {
                    throw new AssertionError();
                },
                config -> cluster.client(clock, BUDGET_MS),
                new HookedInput(script, 2, otherWriter));
        CtlRun run = CtlRun.of(ctl, "--pd", cluster.env().pdAddresses().get(0), "txn", "shell");

        assertThat(run.exitCode()).isEqualTo(CtlCommand.EXIT_FAILURE);
        assertThat(run.err()).startsWith("error: txn ").contains("write conflict on \"k\"");
        String normalized = run.out().replaceAll("start_ts=\\d+", "start_ts=S");
        assertThat(normalized)
                .isEqualTo(
                        "begin start_ts=S\nOK\nbegin start_ts=S\ntheirs\n" + "rolled back start_ts=S (end of input)\n");
    }

    @Test
    void aClusterSplitAsRawDataIsAClearErrorNotAStackTrace() {
        cluster.close();
        cluster = new TxnTestCluster(FakeCluster.threeRegions(), dataDir);

        CtlRun get = ctl("txn", "get", "k");

        assertThat(get.exitCode()).as(get.out()).isEqualTo(CtlCommand.EXIT_FAILURE);
        assertThat(get.err()).startsWith("error: ").contains("not a memcomparable-encoded user key");
        assertThat(get.err()).doesNotContain("\tat ");
    }

    @Test
    void usageErrorsAndHelp() {
        CtlRun odd = ctl("txn", "put", "a", "1", "b");
        assertThat(odd.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(odd.err()).contains("expected pairs of KEY VALUE, got 3 arguments");

        CtlRun cf = ctl("--cf", "lock", "txn", "get", "a");
        assertThat(cf.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(cf.err()).contains("--cf does not apply to transactions");

        CtlRun none = ctl("txn");
        assertThat(none.exitCode()).isEqualTo(CtlCommand.EXIT_USAGE);
        assertThat(none.err()).contains("Usage: ctl txn").contains("shell");

        for (String sub : List.of("put", "get", "delete", "scan", "shell")) {
            CtlRun help = ctl("txn", sub, "--help");
            assertThat(help.exitCode()).as(sub).isZero();
            assertThat(help.out()).as(sub).contains("Usage: ctl txn " + sub).contains("--pd");
        }
    }

    @Test
    void txnIsRegisteredBesideTheRawCommands() {
        StringWriter out = new StringWriter();
        CommandLine command = new CommandLine(new CtlCommand(config -> {
            throw new AssertionError();
        }));
        command.setOut(new PrintWriter(out, true));
        assertThat(command.execute("--help")).isZero();
        assertThat(out.toString()).contains("txn").contains("Transactional commands");
    }
}
