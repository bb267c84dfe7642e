package io.tinykv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up validation of {@code [security]}: every problem named, nothing half on. */
class SecurityConfigTest {

    @TempDir
    static Path dir;

    static SecurityConfig good;
    static TestCertificates.Authority ca;

    @BeforeAll
    static void certificates() {
        ca = TestCertificates.authority("test CA");
        good = TestCertificates.write(dir, "store", ca, ca.issue("store"), List.of());
    }

    @Test
    void nothingSetIsPlaintext() {
        assertThat(SecurityConfig.disabled().problems()).isEmpty();
        assertThat(TlsCredentials.of(SecurityConfig.disabled()).enabled()).isFalse();
    }

    @Test
    void allThreeFilesTurnTlsOn() {
        assertThat(good.problems()).isEmpty();
        assertThat(TlsCredentials.of(good).enabled()).isTrue();
    }

    @Test
    void someButNotAllPathsAreRefused() {
        SecurityConfig half = new SecurityConfig(good.caPath(), good.certPath(), null, List.of());
        assertThatThrownBy(half::validate)
                .isInstanceOf(SecurityConfigException.class)
                .hasMessageContaining("ca-path, cert-path and key-path must be set together")
                .hasMessageContaining("key-path=(not set)");
    }

    @Test
    void allowedCnWithoutTlsIsRefused() {
        assertThat(new SecurityConfig(null, null, null, List.of("store")).problems())
                .containsExactly("security.cert-allowed-cn needs TLS: set security.ca-path, cert-path and key-path");
    }

    @Test
    void missingFilesAreNamed() {
        SecurityConfig missing =
                new SecurityConfig(dir.resolve("nope.pem"), good.certPath(), dir.resolve("nokey.pem"), List.of());
        assertThat(missing.problems())
                .containsExactly(
                        "security.ca-path: " + dir.resolve("nope.pem") + " does not exist or is not a file",
                        "security.key-path: " + dir.resolve("nokey.pem") + " does not exist or is not a file");
    }

    @Test
    void aKeyThatIsNotPkcs8IsRefusedWithAHint() throws Exception {
        Path pkcs1 = dir.resolve("rsa-key.pem");
        Files.writeString(pkcs1, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");
        assertThat(new SecurityConfig(good.caPath(), good.certPath(), pkcs1, List.of()).problems())
                .singleElement()
                .asString()
                .startsWith("security.key-path: ")
                .contains("holds no PKCS#8 private key")
                .contains("openssl pkcs8 -topk8");
    }

    @Test
    void aCorruptKeyIsRefused() throws Exception {
        Path corrupt = dir.resolve("corrupt-key.pem");
        Files.writeString(corrupt, "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n");
        assertThat(new SecurityConfig(good.caPath(), good.certPath(), corrupt, List.of()).problems())
                .singleElement()
                .asString()
                .startsWith("security.key-path: ")
                .contains("not an RSA, EC or EdDSA PKCS#8 key");
    }

    @Test
    void aKeyOfAnotherCertificateIsRefused() {
        SecurityConfig other = TestCertificates.write(dir, "other", ca, ca.issue("other"), List.of());
        assertThat(new SecurityConfig(good.caPath(), good.certPath(), other.keyPath(), List.of()).problems())
                .singleElement()
                .asString()
                .startsWith("security.key-path: ")
                .contains("is not the key of the certificate in " + good.certPath());
    }

    @Test
    void aCertificateFileWithoutCertificatesIsRefused() throws Exception {
        Path notPem = dir.resolve("garbage.pem");
        Files.writeString(notPem, "not a certificate");
        assertThat(new SecurityConfig(notPem, good.certPath(), good.keyPath(), List.of()).problems())
                .singleElement()
                .asString()
                .startsWith("security.ca-path: ");
    }

    @Test
    void flagsOverrideTheFileKeyByKey() {
        SecurityConfig file = new SecurityConfig(Path.of("a"), Path.of("b"), Path.of("c"), List.of("x"));
        SecurityConfig flags = new SecurityConfig(null, Path.of("B"), null, List.of());
        assertThat(file.overriddenBy(flags))
                .isEqualTo(new SecurityConfig(Path.of("a"), Path.of("B"), Path.of("c"), List.of("x")));
    }

    @Test
    void tomlSectionIsReadAndUnknownKeysAreNamed() throws Exception {
        Path toml = dir.resolve("scheduler.toml");
        Files.writeString(
                toml,
                "[security]\nca-path = \"ca.pem\"\ncert-path = \"s.pem\"\nkey-path = \"s-key.pem\"\n"
                        + "cert-allowed-cn = [\"store\", \"client\"]\n");
        assertThat(SecurityToml.readFile(toml))
                .isEqualTo(new SecurityConfig(
                        Path.of("ca.pem"), Path.of("s.pem"), Path.of("s-key.pem"), List.of("store", "client")));
        Files.writeString(toml, "[security]\nca-pth = \"ca.pem\"\n[server]\naddr = \"x\"\n");
        assertThatThrownBy(() -> SecurityToml.readFile(toml))
                .isInstanceOf(SecurityConfigException.class)
                .hasMessageContaining("unknown setting 'security.ca-pth'")
                .hasMessageContaining("unknown setting 'server'");
    }
}
