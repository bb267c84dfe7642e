package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.security.SecurityConfig;
import io.tinykv.security.TestCertificates;
import io.tinykv.server.Main;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code [security]} section in the store's and the standalone's TOML, the same settings as
 * flags, and the start-up errors when they are unusable.
 */
class SecurityConfigLoadingTest {

    @TempDir
    static Path dir;

    static SecurityConfig files;

    @BeforeAll
    static void certificates() {
        TestCertificates.Authority ca = TestCertificates.authority("loader CA");
        files = TestCertificates.write(dir, "store", ca, ca.issue("tinykv-store"), List.of());
    }

    private static String toml(SecurityConfig c) {
        return "[security]\nca-path = \"" + c.caPath() + "\"\ncert-path = \"" + c.certPath() + "\"\nkey-path = \""
                + c.keyPath() + "\"\ncert-allowed-cn = [\"tinykv-store\", \"tinykv-client\"]\n";
    }

    @Test
    void withoutTheSectionTlsIsOff() {
        assertThat(Config.defaults().security()).isEqualTo(SecurityConfig.disabled());
        assertThat(ConfigLoader.parse("[server]\naddr = \"127.0.0.1:1\"\n", "t")
                        .security()
                        .enabled())
                .isFalse();
    }

    @Test
    void theSectionIsReadByTheStoreAndTheStandaloneLoader() throws Exception {
        Path file = dir.resolve("tls.toml");
        Files.writeString(file, toml(files) + "[store]\npd-endpoints = [\"127.0.0.1:2379\"]\n");
        StoreServerConfig store = StoreConfigLoader.load(file, ConfigLoader.Overrides.none(), null);
        assertThat(store.base().security())
                .isEqualTo(new SecurityConfig(
                        files.caPath(), files.certPath(), files.keyPath(), List.of("tinykv-store", "tinykv-client")));

        Files.writeString(file, toml(files));
        assertThat(ConfigLoader.load(file, ConfigLoader.Overrides.none())
                        .security()
                        .enabled())
                .isTrue();
    }

    @Test
    void flagsCompleteOrOverrideTheFile() throws Exception {
        Path file = dir.resolve("half.toml");
        Files.writeString(file, "[security]\nca-path = \"" + files.caPath() + "\"\n");
        Config config = ConfigLoader.load(
                file,
                ConfigLoader.Overrides.none(),
                new SecurityConfig(null, files.certPath(), files.keyPath(), List.of()));
        assertThat(config.security())
                .isEqualTo(new SecurityConfig(files.caPath(), files.certPath(), files.keyPath(), List.of()));
    }

    @Test
    void unusableSettingsAreNamedWithTheOthers() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[limits]\nmax-key-size = -1\n[security]\nca-path = \"" + files.caPath() + "\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(file, ConfigLoader.Overrides.none()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(e.problems())
                                .contains(
                                        "limits.max-key-size must be > 0 (got -1)",
                                        "security: ca-path, cert-path and key-path must be set together (got ca-path="
                                                + files.caPath() + ", cert-path=(not set), key-path=(not set))"));

        Files.writeString(file, "[security]\nca-pth = \"x\"\ncert-allowed-cn = \"one\"\n");
        assertThatThrownBy(() -> ConfigLoader.parseFile(file))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> assertThat(String.join("\n", e.problems()))
                                .contains("unknown setting 'security.ca-pth'")
                                .contains("security.cert-allowed-cn: expected a list of strings"));
    }

    @Test
    void theServerCommandRefusesBadTlsFlagsBeforeStarting() {
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(
                "server",
                "--data-dir",
                dir.resolve("data").toString(),
                "--ca-path",
                files.caPath().toString(),
                "--cert-path",
                files.certPath().toString(),
                "--key-path",
                dir.resolve("missing-key.pem").toString());
        assertThat(code).isEqualTo(ServerCommand.EXIT_BAD_CONFIG);
        assertThat(err.toString())
                .contains("security.key-path: " + dir.resolve("missing-key.pem") + " does not exist or is not a file");
        assertThat(dir.resolve("data")).doesNotExist();
    }
}
