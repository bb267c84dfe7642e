package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.raftstore.split.SplitCheckConfig;
import io.tinykv.server.CommandRun;
import io.tinykv.server.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [coprocessor]} region-max-size and friends, and their {@code tinykv server} flags. */
class SplitConfigTest {

    private static final long KIB = 1024;

    @TempDir
    Path dir;

    @Test
    void theDefaultsAreTiKVs() {
        StoreServerConfig.Coprocessor c = StoreServerConfig.defaults().coprocessor();
        assertThat(c.regionMaxSizeBytes()).isEqualTo(144 * KIB * KIB);
        assertThat(c.regionSplitSizeBytes()).isEqualTo(96 * KIB * KIB);
        assertThat(c.regionMaxKeys()).isEqualTo(1_440_000);
        assertThat(c.regionSplitKeys()).isEqualTo(960_000);
        assertThat(c.toSplitCheck(100)).isEqualTo(SplitCheckConfig.defaults());
    }

    @Test
    void theFileSetsSizesDownToKilobytesAndTheCheckInterval() {
        StoreServerConfig config = StoreConfigLoader.parse(
                        "[coprocessor]\nregion-max-size = \"384KiB\"\n"
                                + "region-split-size = \"256KiB\"\nregion-max-keys = 100\nregion-split-keys = 50\n"
                                + "split-region-check-tick-interval = \"500ms\"\n",
                        "t.toml")
                .validate();
        SplitCheckConfig check = config.coprocessor().toSplitCheck(100);
        assertThat(check.regionMaxSizeBytes()).isEqualTo(384 * KIB);
        assertThat(check.regionSplitSizeBytes()).isEqualTo(256 * KIB);
        assertThat(check.regionMaxKeys()).isEqualTo(100);
        assertThat(check.regionSplitKeys()).isEqualTo(50);
        assertThat(check.splitCheckTicks()).isEqualTo(5);
    }

    @Test
    void aSplitSizeAboveTheMaxIsRefusedNamingBoth() {
        assertThatThrownBy(() -> StoreConfigLoader.parse(
                                "[coprocessor]\nregion-max-size = \"1MiB\"\n" + "region-split-size = \"2MiB\"\n",
                                "t.toml")
                        .validate())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("coprocessor.region-split-size (2097152 bytes) must be at most"
                        + " coprocessor.region-max-size (1048576 bytes)");
        assertThatThrownBy(() -> StoreConfigLoader.parse("[coprocessor]\nregion-split-keys = 0\n", "t.toml")
                        .validate())
                .hasMessageContaining("coprocessor.region-split-keys must be > 0");
        assertThatThrownBy(() -> StoreConfigLoader.parse("[coprocessor]\nregion-size = 1\n", "t.toml"))
                .hasMessageContaining("region-size");
    }

    @Test
    void theFlagsAreCheckedBeforeAnythingStarts() {
        Path data = dir.resolve("d");
        CommandRun bad = CommandRun.of(
                "server",
                "--pd",
                "127.0.0.1:1",
                "--region-max-size",
                "256KiB",
                "--region-split-size",
                "384KiB",
                "--data-dir",
                data.toString());
        assertThat(bad.exitCode()).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(bad.err()).contains("coprocessor.region-split-size").contains("region-max-size");
        CommandRun unit = CommandRun.of(
                "server", "--pd", "127.0.0.1:1", "--region-max-size", "lots", "--data-dir", data.toString());
        assertThat(unit.exitCode()).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(unit.err()).contains("--region-max-size").contains("a size like");
        assertThat(Files.exists(data)).isFalse();
    }
}
