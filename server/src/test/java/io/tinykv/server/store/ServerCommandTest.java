package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.server.CommandRun;
import io.tinykv.server.DataDirLock;
import io.tinykv.server.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tinykv server} on the command line: options, configuration errors, refusals with exit codes. */
class ServerCommandTest {

    private static final int FREE_PORT_ATTEMPTS = 20;

    @TempDir
    Path dir;

    @Test
    void helpListsTheOptionsAndMainListsServerAndScheduler() {
        CommandRun help = CommandRun.of("server", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out())
                .contains("--pd")
                .contains("--addr")
                .contains("--advertise-addr")
                .contains("--data-dir")
                .contains("--status-addr")
                .contains("--config")
                .contains("--[no-]enable-ttl");
        assertThat(CommandRun.of("--help").out()).contains("server").contains("scheduler");
        assertThat(CommandRun.of("scheduler", "--help").exitCode()).isZero();
    }

    @Test
    void badSettingsStopWithTheSettingNamedBeforeTouchingTheDisk() throws Exception {
        Path data = dir.resolve("d");
        CommandRun badPd = CommandRun.of("server", "--pd", "nope", "--data-dir", data.toString());
        assertThat(badPd.exitCode()).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(badPd.err()).contains("store.pd-endpoints");

        Path file = dir.resolve("bad.toml");
        Files.writeString(
                file,
                "[store]\ntick-interval = \"0ms\"\nelection-ticks = 2\nheartbeat-ticks = 2\n" + "colour = \"blue\"\n");
        CommandRun badFile = CommandRun.of("server", "--config", file.toString(), "--data-dir", data.toString());
        assertThat(badFile.exitCode()).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(badFile.err()).contains("unknown setting 'store.colour'");

        Files.writeString(file, "[store]\ntick-interval = \"0ms\"\nelection-ticks = 2\nheartbeat-ticks = 2\n");
        CommandRun badValues = CommandRun.of("server", "--config", file.toString(), "--data-dir", data.toString());
        assertThat(badValues.err())
                .contains("store.tick-interval must be > 0")
                .contains("store.election-ticks (2) must be greater than store.heartbeat-ticks (2)");
        assertThat(Files.exists(data)).as("nothing touched on disk").isFalse();
    }

    @Test
    void aConfigFileSetsTheStoreSection() throws Exception {
        Path file = dir.resolve("store.toml");
        Files.writeString(
                file,
                "[server]\naddr = \"127.0.0.1:0\"\n[store]\npd-endpoints = [\"10.0.0.1:2379\", "
                        + "\"10.0.0.2:2379\"]\ntick-interval = \"50ms\"\nregion-heartbeat-ticks = 7\n");
        StoreServerConfig config = StoreConfigLoader.load(
                file, new io.tinykv.server.config.ConfigLoader.Overrides(null, null, null, dir.resolve("d")), null);
        assertThat(config.store().pdEndpoints()).containsExactly("10.0.0.1:2379", "10.0.0.2:2379");
        assertThat(config.store().tickIntervalMillis()).isEqualTo(50);
        assertThat(config.store().regionHeartbeatTicks()).isEqualTo(7);
        assertThat(config.server().addr().port()).isZero();
        // --pd overrides the file.
        StoreServerConfig overridden = StoreConfigLoader.load(
                file,
                io.tinykv.server.config.ConfigLoader.Overrides.none(),
                StoreConfigLoader.splitEndpoints("h:1, h:2"));
        assertThat(overridden.store().pdEndpoints()).containsExactly("h:1", "h:2");
    }

    @Test
    void aLockedDataDirExitsWithItsOwnCode() throws Exception {
        Path data = dir.resolve("locked");
        try (DataDirLock held = DataDirLock.acquire(data)) {
            CommandRun r = CommandRun.of(
                    "server",
                    "--pd",
                    "127.0.0.1:1",
                    "--addr",
                    "127.0.0.1:0",
                    "--status-addr",
                    "",
                    "--data-dir",
                    data.toString());
            assertThat(r.exitCode()).isEqualTo(ServerCommand.EXIT_DATA_DIR_LOCKED);
            assertThat(r.err()).contains("in use by another tinykv process");
        }
    }

    /** The first mistake: stores on one host sharing the default status port. */
    @Test
    void aStatusPortInUseNamesTheSettingTheAddressAndWhatToDo() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String busy = "127.0.0.1:" + taken.getLocalPort();
            CommandRun r = CommandRun.of(
                    "server",
                    "--pd",
                    "127.0.0.1:1",
                    "--addr",
                    "127.0.0.1:0",
                    "--status-addr",
                    busy,
                    "--data-dir",
                    dir.resolve("busy-status").toString());
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.err()).contains("--status-addr " + busy + " is in use; give each store its own --status-addr");
        }
    }

    /**
     * A store started without --peer-addr next to another one whose port its default peer port (its
     * --addr + 40) falls on: the start fails, naming the setting, that it was the default, and the
     * address — not a store that silently shares or steals a port.
     */
    @Test
    void aDefaultPeerPortInUseNamesTheSettingTheDefaultAndTheAddress() throws Exception {
        try (java.net.ServerSocket taken = takenWithFreePortBelow(Config.Server.DEFAULT_PEER_PORT_OFFSET)) {
            int clientPort = taken.getLocalPort() - Config.Server.DEFAULT_PEER_PORT_OFFSET;
            CommandRun r = CommandRun.of(
                    "server",
                    "--pd",
                    "127.0.0.1:1",
                    "--addr",
                    "127.0.0.1:" + clientPort,
                    "--status-addr",
                    "",
                    "--data-dir",
                    dir.resolve("busy-peer").toString());
            assertThat(r.exitCode()).isNotZero();
            assertThat(r.err())
                    .contains("--peer-addr (default: --addr's port + 40) 127.0.0.1:" + taken.getLocalPort()
                            + " is in use; give each store its own --peer-addr");
        }
    }

    /** A port held open, with the port {@code below} it free (as far as a bind and close can tell). */
    private static java.net.ServerSocket takenWithFreePortBelow(int below) throws IOException {
        for (int attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
            java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
            int candidate = taken.getLocalPort() - below;
            if (candidate > 0) {
                try (java.net.ServerSocket probe =
                        new java.net.ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
                    return taken;
                } catch (IOException inUse) {
                    // try another pair
                }
            }
            taken.close();
        }
        throw new IllegalStateException("no free pair of loopback ports " + below + " apart");
    }

    @Test
    void aDataDirOfAnotherClusterExitsWithItsOwnCode() throws Exception {
        Path data = dir.resolve("store");
        try (FakeScheduler a = new FakeScheduler(1)) {
            StoreServer.start(TestConfigs.store(a.address(), data)).close();
        }
        try (FakeScheduler b = new FakeScheduler(2)) {
            CommandRun r = CommandRun.of(
                    "server",
                    "--pd",
                    b.address(),
                    "--addr",
                    "127.0.0.1:0",
                    "--status-addr",
                    "",
                    "--data-dir",
                    data.toString());
            assertThat(r.exitCode()).isEqualTo(ServerCommand.EXIT_WRONG_CLUSTER);
            assertThat(r.err()).contains("of cluster 1").contains("runs cluster 2");
        }
    }

    /**
     * A store created with TTL refuses a start without it, at once (before it looks for the
     * scheduler, which is unreachable here), and says what to do.
     */
    @Test
    void aStoreRestartedWithTheOtherEnableTtlExitsAsABadConfiguration() throws Exception {
        Path data = dir.resolve("ttl-store");
        try (FakeScheduler scheduler = new FakeScheduler(1)) {
            StoreServer.start(new StoreServerConfig(
                            TestConfigs.store(scheduler.address(), data)
                                    .base()
                                    .withStorage(TestConfigs.store(scheduler.address(), data)
                                            .base()
                                            .storage()
                                            .withEnableTtl(true)),
                            TestConfigs.store(scheduler.address(), data).store()))
                    .close();
        }
        CommandRun r = CommandRun.of(
                "server",
                "--pd",
                "127.0.0.1:1",
                "--addr",
                "127.0.0.1:0",
                "--status-addr",
                "",
                "--data-dir",
                data.toString());
        assertThat(r.exitCode()).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(r.err())
                .contains("was created with storage.enable-ttl = true, but this start has "
                        + "storage.enable-ttl = false")
                .contains("(--enable-ttl)");
    }

    @Test
    void theExampleFileListsEveryDefault() {
        // Surefire runs in the module directory; the example sits in server/config.
        Path example = Path.of("config", "tinykv-server.example.toml");
        assertThat(StoreConfigLoader.parse(io.tinykv.server.config.ConfigLoader.readFile(example), example.toString()))
                .isEqualTo(StoreServerConfig.defaults());
    }

    /** Every key the loader reads is in the example, under its section (set or commented out). */
    @Test
    void theExampleFileListsEveryKeyOfEveryStoreSection() throws Exception {
        Path example = Path.of("config", "tinykv-server.example.toml");
        String text = java.nio.file.Files.readString(example);
        java.util.Map<String, java.util.List<String>> sections = java.util.Map.of(
                StoreConfigLoader.STORE_SECTION, StoreConfigLoader.STORE_KEYS,
                StoreConfigLoader.COPROCESSOR_SECTION, StoreConfigLoader.COPROCESSOR_KEYS,
                StoreConfigLoader.GC_SECTION, StoreConfigLoader.GC_KEYS,
                StoreConfigLoader.RAFTSTORE_SECTION, StoreConfigLoader.RAFTSTORE_KEYS);
        for (var section : sections.entrySet()) {
            int start = text.indexOf("\n[" + section.getKey() + "]\n");
            assertThat(start).as("[%s] in %s", section.getKey(), example).isNotNegative();
            int end = text.indexOf("\n[", start + 1);
            String body = end < 0 ? text.substring(start) : text.substring(start, end);
            for (String key : section.getValue()) {
                assertThat(body)
                        .as("[%s] of %s", section.getKey(), example)
                        .containsPattern("(?m)^(# )?" + java.util.regex.Pattern.quote(key) + " = ");
            }
        }
    }
}
