package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.server.CommandRun;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.storage.space.ReserveSpace;
import io.tinykv.storage.space.SpacePlaceholder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code [storage] reserve-space} and {@code disk-check-interval}, and {@code tinykv server --reserve-space}. */
class DiskSpaceConfigTest {

    private static final long MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void theDefaultIsAFractionOfTheDiskSampledEverySecond() {
        Config.Storage storage = Config.defaults().storage();
        assertThat(storage.reserveSpace()).isEqualTo(ReserveSpace.DEFAULT);
        assertThat(storage.diskCheckIntervalMillis()).isEqualTo(1_000);
    }

    @Test
    void theFileSetsAFixedReserveOrNoneAndTheInterval() {
        Config c = ConfigLoader.parse(
                        "[storage]\nreserve-space = \"16MiB\"\ndisk-check-interval = \"100ms\"\n", "t.toml")
                .validate();
        assertThat(c.storage().reserveSpace()).isEqualTo(new ReserveSpace.Fixed(16 * MIB));
        assertThat(c.storage().diskCheckIntervalMillis()).isEqualTo(100);
        assertThat(ConfigLoader.parse("[storage]\nreserve-space = 0\n", "t.toml")
                        .storage()
                        .reserveSpace())
                .isEqualTo(new ReserveSpace.Fixed(0));
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> ConfigLoader.parse("[storage]\nreserve-space = \"-1MiB\"\n", "t.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("storage.reserve-space")
                .hasMessageContaining("must be >= 0");
        assertThatThrownBy(() -> ConfigLoader.parse("[storage]\nreserve-space = \"lots\"\n", "t.toml"))
                .hasMessageContaining("storage.reserve-space");
        assertThatThrownBy(() -> ConfigLoader.parse("[storage]\ndisk-check-interval = \"0ms\"\n", "t.toml")
                        .validate())
                .hasMessageContaining("storage.disk-check-interval must be > 0");
    }

    @Test
    void theCommandLineFlagIsCheckedBeforeAnythingStarts() {
        Path data = dir.resolve("d");
        CommandRun bad = CommandRun.of(
                "server", "--pd", "127.0.0.1:1", "--reserve-space", "lots", "--data-dir", data.toString());
        assertThat(bad.exitCode()).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(bad.err()).contains("--reserve-space").contains("a size like");
        assertThat(Files.exists(data)).isFalse();
    }

    @Test
    void aReserveAsLargeAsTheDiskStopsTheStartWithAClearMessage() {
        Path data = dir.resolve("d");
        // Found before the engines open and before the scheduler is asked (none listens on port 1).
        CommandRun r = CommandRun.of(
                "server",
                "--pd",
                "127.0.0.1:1",
                "--addr",
                "127.0.0.1:0",
                "--status-addr",
                "",
                "--reserve-space",
                "100000GiB",
                "--data-dir",
                data.toString());
        assertThat(r.exitCode()).isEqualTo(ServerCommand.EXIT_START_FAILED);
        assertThat(r.err()).contains("storage.reserve-space").contains("must be smaller than the disk");
        assertThat(Files.exists(data.resolve("kv")))
                .as("the engines were never opened")
                .isFalse();
        assertThat(Files.exists(data.resolve(SpacePlaceholder.FILE_NAME))).isFalse();
    }
}
