package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SchedulerCommandTest {

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();
    private final StringWriter out = new StringWriter();

    private CommandLine commandLine(SchedulerCommand command) {
        return new CommandLine(command).setErr(new PrintWriter(err)).setOut(new PrintWriter(out));
    }

    @Test
    void optionsBecomeTheConfiguration() {
        SchedulerCommand command = new SchedulerCommand();
        commandLine(command)
                .parseArgs(
                        "--addr",
                        "0.0.0.0:0",
                        "--advertise-addr",
                        "pd.local:2379",
                        "--data-dir",
                        dir.toString(),
                        "--max-replicas",
                        "5",
                        "--max-store-down-time",
                        "90s",
                        "--store-disconnect-time",
                        "5s",
                        "--client-key-mode",
                        "txn",
                        "--tso-save-window",
                        "500ms",
                        "--operator-timeout",
                        "PT2M",
                        "--leader-operator-timeout",
                        "5s",
                        "--balance-region-interval",
                        "10s",
                        "--leader-schedule-limit",
                        "7",
                        "--region-schedule-limit",
                        "3",
                        "--leader-tolerance",
                        "2",
                        "--region-tolerance-ratio",
                        "0.1",
                        "--scatter-split-regions",
                        "false",
                        "--scatter-memory",
                        "1m",
                        "--patrol-region-batch",
                        "16");
        SchedulerConfig config = command.config();
        assertThat(config.listenAddress()).isEqualTo(new HostAndPort("0.0.0.0", 0));
        assertThat(config.advertiseAddress()).isEqualTo(new HostAndPort("pd.local", 2379));
        assertThat(config.dataDir()).isEqualTo(dir);
        assertThat(config.maxReplicas()).isEqualTo(5);
        assertThat(config.maxStoreDownTime()).isEqualTo(Duration.ofSeconds(90));
        assertThat(config.storeDisconnectTime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.clientKeyMode()).isEqualTo(ClientKeyMode.TXN);
        assertThat(config.tsoSaveWindow()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.operatorTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.leaderOperatorTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.schedule())
                .isEqualTo(new ScheduleConfig(Duration.ofSeconds(10), 7, 3, 2, 0.1, false, Duration.ofMinutes(1), 16));
    }

    @Test
    void defaultsAreThoseOfSchedulerConfig() {
        SchedulerCommand command = new SchedulerCommand();
        commandLine(command).parseArgs();
        SchedulerConfig config = command.config();
        assertThat(config.listenAddress()).isEqualTo(SchedulerConfig.DEFAULT_LISTEN_ADDRESS);
        assertThat(config.clientKeyMode()).isEqualTo(ClientKeyMode.RAW);
        assertThat(config.maxReplicas()).isEqualTo(3);
        assertThat(config.maxStoreDownTime()).isEqualTo(Duration.ofMinutes(30));
        // PD's operator waits: 10 min for peer moves, 10 s for leader transfers.
        assertThat(config.operatorTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.leaderOperatorTimeout()).isEqualTo(Duration.ofSeconds(10));
        // Balancing and scatter are on by default, with PD's limits.
        assertThat(config.schedule()).isEqualTo(ScheduleConfig.defaults());
        assertThat(config.schedule().balances()).isTrue();
        assertThat(config.schedule().scatterSplitRegions()).isTrue();
        // PD's patrol batch (patrolScanRegionLimit).
        assertThat(config.schedule().patrolRegionBatch()).isEqualTo(128);
    }

    @Test
    void helpDocumentsTheClientKeyMode() {
        assertThat(commandLine(new SchedulerCommand()).execute("--help")).isZero();
        assertThat(out.toString())
                .contains("--client-key-mode=RAW|TXN")
                .contains("memcomparable-encoded")
                .contains("--max-store-down-time");
    }

    @Test
    void badValuesAreRefusedWithTheirReason() {
        assertThat(commandLine(new SchedulerCommand()).execute("--client-key-mode", "v2"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("expected RAW or TXN (got 'v2')");
        assertThat(commandLine(new SchedulerCommand()).execute("--max-store-down-time", "soon"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("expected a duration like 500ms");
        assertThat(commandLine(new SchedulerCommand()).execute("--max-replicas", "0", "--data-dir", dir.toString()))
                .isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(err.toString()).contains("max-replicas must be in 1..9 (got 0)");
        assertThat(commandLine(new SchedulerCommand())
                        .execute("--patrol-region-batch", "0", "--data-dir", dir.toString()))
                .isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(err.toString())
                .contains("patrol-region-batch must be >= 1 region per scheduling round")
                .contains("(got 0)");
        assertThat(commandLine(new SchedulerCommand()).execute("--addr", "0.0.0.0:2379", "--data-dir", dir.toString()))
                .isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(err.toString()).contains("give an advertise address");
        assertThat(commandLine(new SchedulerCommand())
                        .execute("--addr", "127.0.0.1:0", "--data-dir", dir.toString(), "--status-addr", "no-port"))
                .isEqualTo(SchedulerCommand.EXIT_BAD_CONFIG);
        assertThat(err.toString()).contains("no-port");
    }

    @Test
    void aStatusPortInUseFailsToStartAndReleasesTheDataDir() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String busy = "127.0.0.1:" + taken.getLocalPort();
            assertThat(commandLine(new SchedulerCommand())
                            .execute("--addr", "127.0.0.1:0", "--data-dir", dir.toString(), "--status-addr", busy))
                    .isEqualTo(SchedulerCommand.EXIT_START_FAILED);
        }
        assertThat(err.toString())
                .contains("failed to start")
                .contains("--status-addr 127.0.0.1:")
                .contains(" is in use; give the scheduler a free --status-addr");
        // The scheduler it would have reported on was closed: its metadata opens again at once.
        SchedulerCommand plain = new SchedulerCommand();
        commandLine(plain).parseArgs("--addr", "127.0.0.1:0", "--data-dir", dir.toString());
        try (SchedulerServer again = SchedulerServer.start(
                plain.config(),
                System::currentTimeMillis,
                new java.util.Random(1),
                new io.prometheus.metrics.model.registry.PrometheusRegistry())) {
            assertThat(again.port()).isPositive();
        }
    }

    @Test
    void aClientPortInUseNamesTheSettingAndTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String busy = "127.0.0.1:" + taken.getLocalPort();
            SchedulerCommand command = new SchedulerCommand();
            commandLine(command).parseArgs("--addr", busy, "--data-dir", dir.toString());
            // Its own registry: the default one keeps what an earlier start in this JVM registered.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> SchedulerServer.start(
                            command.config(),
                            System::currentTimeMillis,
                            new java.util.Random(1),
                            new io.prometheus.metrics.model.registry.PrometheusRegistry()))
                    .hasMessage("--addr " + busy + " is in use; give the scheduler a free --addr (and the stores its "
                            + "address in --pd)");
        }
    }

    @Test
    void anUnusableDataDirFailsToStartWithTheReason() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThat(commandLine(new SchedulerCommand()).execute("--addr", "127.0.0.1:0", "--data-dir", file.toString()))
                .isEqualTo(SchedulerCommand.EXIT_START_FAILED);
        assertThat(err.toString())
                .contains("failed to start")
                .contains("cannot open the scheduler metadata in " + file);
    }
}
