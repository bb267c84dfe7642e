package io.tinykv.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.scheduler.HostAndPort;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigTest {

    /** The example file is the documentation of the defaults: it must say exactly what the code does. */
    @Test
    void exampleFileParsesToExactlyTheDefaults() throws Exception {
        Path example = Path.of("..", "config", "tinykv.example.toml");
        assertThat(Files.exists(example))
                .as("config/tinykv.example.toml exists")
                .isTrue();
        assertThat(ConfigLoader.parseFile(example)).isEqualTo(Config.defaults());
    }

    @Test
    void defaultsAreValid() {
        assertThat(Config.defaults().validate()).isEqualTo(Config.defaults());
    }

    @Test
    void emptyFileMeansDefaults() {
        assertThat(ConfigLoader.parse("", "empty.toml")).isEqualTo(Config.defaults());
    }

    @Test
    void fileValuesOverrideDefaultsAndUnitsAreParsed() {
        Config c = ConfigLoader.parse("""
                [server]
                addr = "0.0.0.0:3000"
                grace-period = "500ms"
                [limits]
                max-key-size = "1KiB"
                raft-entry-max-size = 2048
                max-scan-limit = 7
                grpc-max-message-size = "1MB"
                [pd]
                tso-save-window = "1m"
                """, "t.toml");
        Config memtables = ConfigLoader.parse("""
                [storage]
                write-buffer-size = "32MiB"
                raft-write-buffer-size = "8MiB"
                """, "t.toml");
        assertThat(memtables.storage().toEngineConfig().writeBufferSizeBytes()).isEqualTo(32L << 20);
        assertThat(memtables.storage().toEngineConfig().raftWriteBufferSizeBytes())
                .isEqualTo(8L << 20);
        assertThat(c.server().addr()).isEqualTo(new HostAndPort("0.0.0.0", 3000));
        assertThat(c.server().gracePeriodMillis()).isEqualTo(500);
        assertThat(c.limits().maxKeySizeBytes()).isEqualTo(1024);
        assertThat(c.limits().raftEntryMaxSizeBytes()).isEqualTo(2048);
        assertThat(c.limits().maxScanLimit()).isEqualTo(7);
        assertThat(c.limits().grpcMaxMessageSizeBytes()).isEqualTo(1024 * 1024);
        assertThat(c.pd().tsoSaveWindowMillis()).isEqualTo(60_000);
        assertThat(c.storage()).isEqualTo(Config.defaults().storage());
    }

    @Test
    void enableTtlIsABooleanOffByDefault() {
        assertThat(Config.defaults().storage().enableTtl()).isFalse();
        assertThat(ConfigLoader.parse("[storage]\nenable-ttl = true\n", "t.toml")
                        .storage()
                        .enableTtl())
                .isTrue();
        assertThatThrownBy(() -> ConfigLoader.parse("[storage]\nenable-ttl = \"yes\"\n", "t.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("storage.enable-ttl: expected true or false");
    }

    @Test
    void commandLineOverridesTheFile() {
        Config fromFile = ConfigLoader.parse("[server]\naddr = \"127.0.0.1:1\"\ndata-dir = \"/a\"\n", "t.toml");
        Config c = ConfigLoader.applyOverrides(
                fromFile, new ConfigLoader.Overrides(HostAndPort.parse("127.0.0.1:2"), null, "", null));
        assertThat(c.server().addr().port()).isEqualTo(2);
        assertThat(c.server().dataDir()).isEqualTo(Path.of("/a"));
        assertThat(c.server().hasStatusAddr()).isFalse();
    }

    @Test
    void unknownKeysAndSectionsAreRejectedByName() {
        assertThatThrownBy(() -> ConfigLoader.parse("[limits]\nmax-kye-size = 1\n", "t.toml"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown setting 'limits.max-kye-size'")
                .hasMessageContaining("max-key-size");
        assertThatThrownBy(() -> ConfigLoader.parse("[limitz]\n", "t.toml"))
                .hasMessageContaining("unknown setting 'limitz'");
    }

    @Test
    void badValuesNameTheSetting() {
        assertThatThrownBy(() -> ConfigLoader.parse("[server]\naddr = \"nohost\"\n", "t.toml"))
                .hasMessageContaining("server.addr")
                .hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> ConfigLoader.parse("[limits]\nmax-key-size = \"8XB\"\n", "t.toml"))
                .hasMessageContaining("limits.max-key-size")
                .hasMessageContaining("unknown size unit");
        assertThatThrownBy(() -> ConfigLoader.parse("[server]\ngrace-period = 5\n", "t.toml"))
                .hasMessageContaining("server.grace-period")
                .hasMessageContaining("expected a string");
        assertThatThrownBy(() -> ConfigLoader.parse("[server\n", "t.toml"))
                .hasMessageContaining("t.toml is not valid TOML");
    }

    @Test
    void validationNamesEveryBadSettingWithItsValue() {
        Config d = Config.defaults();
        Config bad = new Config(
                d.server(), d.storage(), new Config.Limits(-1, 8 * 1024 * 1024, 0, 16 * 1024 * 1024), d.pd());
        assertThatThrownBy(bad::validate)
                .isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).problems())
                        .containsExactly(
                                "limits.max-key-size must be > 0 (got -1)",
                                "limits.max-scan-limit must be > 0 (got 0)"));
    }

    @Test
    void keySizeMustStayBelowEntrySize() {
        Config bad = ConfigLoader.parse("[limits]\nmax-key-size = \"1MiB\"\nraft-entry-max-size = \"1MiB\"\n", "t");
        assertThatThrownBy(bad::validate).hasMessageContaining("limits.max-key-size (1048576) must be smaller");
    }

    @Test
    void loadReadsTheFileAndValidates() throws Exception {
        Path file = Files.createTempFile("tinykv", ".toml");
        try {
            Files.writeString(file, "[pd]\ntso-save-window = \"0s\"\n");
            assertThatThrownBy(() -> ConfigLoader.load(file, ConfigLoader.Overrides.none()))
                    .hasMessageContaining("pd.tso-save-window must be > 0 ms (got 0 ms)");
            assertThatThrownBy(
                            () -> ConfigLoader.load(file.resolveSibling("missing.toml"), ConfigLoader.Overrides.none()))
                    .hasMessageContaining("cannot read config file");
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void hostPortParsing() {
        assertThat(HostAndPort.parse("[::1]:20160")).isEqualTo(new HostAndPort("::1", 20160));
        assertThat(HostAndPort.parse("[::1]:20160").toString()).isEqualTo("[::1]:20160");
        assertThatThrownBy(() -> HostAndPort.parse("h:70000")).hasMessageContaining("port must be in 0..65535");
        assertThatThrownBy(() -> HostAndPort.parse(":1")).hasMessageContaining("expected HOST:PORT");
        assertThatThrownBy(() -> HostAndPort.parse("h:x")).hasMessageContaining("numeric port");
    }

    @Test
    void units() {
        assertThat(Units.parseBytes("8KiB")).isEqualTo(8192);
        assertThat(Units.parseBytes("3 GB")).isEqualTo(3L << 30);
        assertThat(Units.parseBytes("17")).isEqualTo(17);
        assertThat(Units.parseMillis("2h")).isEqualTo(7_200_000);
        assertThatThrownBy(() -> Units.parseMillis("3")).hasMessageContaining("duration unit");
        assertThatThrownBy(() -> Units.parseBytes("lots")).hasMessageContaining("expected a size");
    }
}
