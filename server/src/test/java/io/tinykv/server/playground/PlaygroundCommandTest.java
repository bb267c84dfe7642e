package io.tinykv.server.playground;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.server.CommandRun;
import io.tinykv.server.DataDirLock;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the playground refuses before it starts anything (the running cluster is tested in compat-tests). */
class PlaygroundCommandTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheOptions() {
        CommandRun help = CommandRun.of("playground", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out())
                .contains("--data-dir")
                .contains("--stores")
                .contains("--pd-port")
                .contains("--base-port")
                .contains("--enable-ttl");
        assertThat(CommandRun.of("--help").out()).contains("playground");
    }

    @Test
    void badOptionsAreUsageErrorsNamingTheOption() {
        CommandRun stores = CommandRun.of(
                "playground", "--stores", "0", "--data-dir", dir.resolve("pg").toString());
        assertThat(stores.exitCode()).isEqualTo(2);
        assertThat(stores.err()).contains("--stores must be between 1 and");

        CommandRun collide = CommandRun.of(
                "playground",
                "--pd-port",
                "20160",
                "--data-dir",
                dir.resolve("pg").toString());
        assertThat(collide.exitCode()).isEqualTo(2);
        assertThat(collide.err()).contains("--pd-port 20160 collides with store 1");
        assertThat(Files.exists(dir.resolve("pg"))).as("nothing created").isFalse();
    }

    @Test
    void aStoreConfigAStoreWouldRefuseIsRefusedBeforeAnythingStarts() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.toml"), "[coprocessor]\nregion-max-size = \"big\"\n");
        CommandRun refused = CommandRun.of(
                "playground", "--data-dir", dir.resolve("pg").toString(), "--store-config", bad.toString());
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("--store-config").contains("region-max-size");

        CommandRun missing = CommandRun.of(
                "playground",
                "--data-dir",
                dir.resolve("pg").toString(),
                "--store-config",
                dir.resolve("none.toml").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("--store-config").contains("none.toml");
        assertThat(Files.exists(dir.resolve("pg"))).as("nothing created").isFalse();
    }

    @Test
    void incompleteTlsOptionsAreRefusedBeforeAnythingStarts() {
        CommandRun half = CommandRun.of(
                "playground",
                "--data-dir",
                dir.resolve("pg").toString(),
                "--ca-path",
                dir.resolve("ca.pem").toString());
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err()).contains("ca-path, cert-path and key-path must be set together");
        assertThat(Files.exists(dir.resolve("pg"))).as("nothing created").isFalse();
    }

    @Test
    void helpListsTheTlsOptionsOnEveryCommand() {
        for (String command : new String[] {"playground", "server", "scheduler", "standalone", "ctl"}) {
            assertThat(CommandRun.of(command, "--help").out())
                    .as(command)
                    .contains("--ca-path")
                    .contains("--cert-path")
                    .contains("--key-path")
                    .contains("--cert-allowed-cn");
        }
    }

    @Test
    void aFolderInUseByAnotherPlaygroundIsRefused() {
        Path folder = dir.resolve("pg");
        try (DataDirLock held = DataDirLock.acquire(folder)) {
            CommandRun second = CommandRun.of("playground", "--data-dir", folder.toString());
            assertThat(second.exitCode()).isEqualTo(PlaygroundCommand.EXIT_DATA_DIR_LOCKED);
            assertThat(second.err()).contains("is in use by another tinykv process");
        }
    }

    @Test
    void aPortInUseIsNamedBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            CommandRun run = CommandRun.of(
                    "playground", "--data-dir", dir.resolve("pg").toString(), "--pd-port", Integer.toString(port));
            assertThat(run.exitCode()).isEqualTo(PlaygroundCommand.EXIT_START_FAILED);
            assertThat(run.err()).contains("in use already").contains("127.0.0.1:" + port);
            assertThat(run.out()).isEmpty();
        }
    }
}
