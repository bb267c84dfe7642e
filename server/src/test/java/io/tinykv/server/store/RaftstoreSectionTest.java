package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.transport.grpc.SnapshotRecvLimit;
import io.tinykv.server.Main;
import io.tinykv.server.config.ConfigException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code [raftstore]}: the mailbox bound and the incoming snapshot limits, read, defaulted and checked. */
class RaftstoreSectionTest {

    @TempDir
    Path dir;

    @Test
    void theDefaultsAreTheRaftstores() {
        StoreServerConfig.Raftstore r = StoreServerConfig.defaults().raftstore();
        assertThat(r.notifyCapacity())
                .isEqualTo(RaftstoreConfig.DEFAULT_NOTIFY_CAPACITY)
                .isEqualTo(4096);
        assertThat(r.concurrentRecvSnapLimit()).isEqualTo(SnapshotRecvLimit.DEFAULT_MAX_STREAMS);
        assertThat(r.snapMaxTotalSizeBytes()).isEqualTo(SnapshotRecvLimit.DEFAULT_MAX_TOTAL_BYTES);
        assertThat(r.concurrentSendSnapLimit())
                .isEqualTo(io.tinykv.raftstore.transport.grpc.SnapshotSendLimit.DEFAULT_MAX_STREAMS)
                .isEqualTo(32);
    }

    @Test
    void theFileSetsEachBound() {
        StoreServerConfig config = StoreConfigLoader.parse(
                        "[raftstore]\nnotify-capacity = 16\n"
                                + "concurrent-recv-snap-limit = 2\nsnap-max-total-size = \"512MiB\"\n"
                                + "concurrent-send-snap-limit = 3\n",
                        "t.toml")
                .validate();
        assertThat(config.raftstore()).isEqualTo(new StoreServerConfig.Raftstore(16, 2, 512L * 1024 * 1024, 3));
        assertThat(config.store()).isEqualTo(StoreServerConfig.Store.defaults());
    }

    @Test
    void theLongRegionHeartbeatIntervalIsTikvsPdHeartbeatTickIntervalAndReachesTheRaftstore() {
        assertThat(StoreServerConfig.defaults().raftstore().pdHeartbeatTickIntervalMillis())
                .isEqualTo(RaftstoreConfig.DEFAULT_REGION_HEARTBEAT_INTERVAL_MS)
                .isEqualTo(60_000);
        StoreServerConfig config = StoreConfigLoader.parse(
                        "[raftstore]\npd-heartbeat-tick-interval = \"2m\"\n", "t.toml")
                .validate();
        assertThat(config.raftstore().pdHeartbeatTickIntervalMillis()).isEqualTo(120_000);
        assertThat(RaftstoreConfig.defaults()
                        .withRegionHeartbeatIntervalMs(120_000)
                        .regionHeartbeatIntervalTicks())
                .isEqualTo(1_200);
    }

    @Test
    void aLongIntervalShorterThanOneCheckIsRefusedNamingBothSettings() {
        assertThatThrownBy(() -> StoreConfigLoader.parse(
                                "[store]\ntick-interval = \"100ms\"\n"
                                        + "region-heartbeat-ticks = 20\n[raftstore]\npd-heartbeat-tick-interval = \"1s\"\n",
                                "t.toml")
                        .validate())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("raftstore.pd-heartbeat-tick-interval (1000 ms) must be at least "
                        + "store.region-heartbeat-ticks x store.tick-interval (20 x 100 ms = 2000 ms)");
        assertThatThrownBy(() -> StoreConfigLoader.parse("[raftstore]\npd-heartbeat-tick-interval = \"0s\"\n", "t.toml")
                        .validate())
                .hasMessageContaining("raftstore.pd-heartbeat-tick-interval");
    }

    @Test
    void aBoundOfZeroOrAnUnknownKeyIsRefusedNamingIt() {
        assertThatThrownBy(() -> StoreConfigLoader.parse(
                                "[raftstore]\nnotify-capacity = 0\n"
                                        + "concurrent-recv-snap-limit = -1\nsnap-max-total-size = \"0B\"\n"
                                        + "concurrent-send-snap-limit = 0\n",
                                "t.toml")
                        .validate())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("raftstore.notify-capacity must be > 0 (got 0)")
                .hasMessageContaining("raftstore.concurrent-recv-snap-limit must be > 0 (got -1)")
                .hasMessageContaining("raftstore.snap-max-total-size must be > 0 (got 0)")
                .hasMessageContaining("raftstore.concurrent-send-snap-limit must be > 0 (got 0)");
        assertThatThrownBy(() -> StoreConfigLoader.parse("[raftstore]\nnotify-capasity = 5\n", "t.toml"))
                .hasMessageContaining("notify-capasity");
    }

    @Test
    void hibernateRegionsIsOnByDefaultAsInTikvAndTheFileOrTheFlagTurnItOffAllTheWayToTheRaftstore() {
        StoreServerConfig defaults = StoreServerConfig.defaults();
        assertThat(defaults.raftstore().hibernateRegions()).isTrue();
        assertThat(StoreServer.raftConfig(defaults).hibernateRegions()).isTrue();

        StoreServerConfig off = StoreConfigLoader.parse("[raftstore]\nhibernate-regions = false\n", "t.toml")
                .validate();
        assertThat(off.raftstore().hibernateRegions()).isFalse();
        assertThat(StoreServer.raftConfig(off).hibernateRegions()).isFalse();

        HibernateRegionsOption flag = new HibernateRegionsOption();
        new CommandLine(flag).parseArgs("--no-hibernate-regions");
        StoreServerConfig flagged = flag.over(defaults);
        assertThat(flagged.raftstore()).isEqualTo(defaults.raftstore().withHibernateRegions(false));
        HibernateRegionsOption none = new HibernateRegionsOption();
        new CommandLine(none).parseArgs();
        assertThat(none.over(off)).isSameAs(off);
    }

    @Test
    void aHibernateRegionsThatIsNotABooleanIsRefusedNamingIt() {
        assertThatThrownBy(() -> StoreConfigLoader.parse("[raftstore]\nhibernate-regions = \"yes\"\n", "t.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("hibernate-regions");
    }

    @Test
    void aBadBoundStopsTheServerBeforeAnythingStarts() throws Exception {
        Path file = dir.resolve("store.toml");
        Files.writeString(file, "[raftstore]\nnotify-capacity = 0\n");
        Path data = dir.resolve("d");
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(new StringWriter()));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(
                "server", "--config", file.toString(), "--pd", "127.0.0.1:1", "--data-dir", data.toString());
        assertThat(exit).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(err.toString()).contains("raftstore.notify-capacity must be > 0");
        assertThat(Files.exists(data)).isFalse();
    }
}
