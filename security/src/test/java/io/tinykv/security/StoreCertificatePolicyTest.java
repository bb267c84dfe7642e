package io.tinykv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which certificates are stores': {@code store-cert-allowed-cn}, or this process's own common name. */
class StoreCertificatePolicyTest {

    @TempDir
    Path dir;

    private static final TestCertificates.Authority CA = TestCertificates.authority("policy test CA");

    @Test
    void withoutTheSettingOnlyThisProcesssOwnCommonNameIsAStore() {
        SecurityConfig self = TestCertificates.write(dir, "store", CA, CA.issue("tinykv-store"), List.of());
        StoreCertificatePolicy policy = TlsCredentials.of(self).storePolicy();
        assertThat(policy.isStore(CA.issue("tinykv-store").cert())).isTrue();
        assertThat(policy.isStore(CA.issue("tinykv-client").cert())).isFalse();
        assertThat(policy.isStore(CA.issue("tinykv-store-2").cert())).isFalse();
        assertThat(policy.describe()).contains("'tinykv-store'");
    }

    @Test
    void namesMatchExactlyOrByPrefixWithATrailingStar() {
        StoreCertificatePolicy policy = StoreCertificatePolicy.ofNames(List.of("scheduler", "store-*"));
        assertThat(policy.isStore(CA.issue("scheduler").cert())).isTrue();
        assertThat(policy.isStore(CA.issue("store-1").cert())).isTrue();
        assertThat(policy.isStore(CA.issue("store-").cert())).isTrue();
        assertThat(policy.isStore(CA.issue("scheduler-x").cert())).isFalse();
        assertThat(policy.isStore(CA.issue("a-store-1").cert())).isFalse();
        assertThat(policy.isStore(CA.issue("client").cert())).isFalse();
    }

    @Test
    void theSettingIsCheckedAndReadFromTomlAndFlags() throws Exception {
        SecurityConfig self = TestCertificates.write(dir, "store", CA, CA.issue("tinykv-store"), List.of());
        assertThat(self.withStoreCertAllowedCn(List.of("*")).problems())
                .singleElement()
                .asString()
                .contains("a bare '*' would admit every certificate");
        assertThat(self.withStoreCertAllowedCn(List.of("st*re")).problems())
                .singleElement()
                .asString()
                .contains("'*' may only end a name");
        assertThat(SecurityConfig.disabled()
                        .withStoreCertAllowedCn(List.of("s"))
                        .problems())
                .singleElement()
                .asString()
                .contains("store-cert-allowed-cn needs TLS");
        assertThat(TlsCredentials.of(self.withStoreCertAllowedCn(List.of("other-*")))
                        .storePolicy()
                        .isStore(CA.issue("tinykv-store").cert()))
                .as("the setting replaces the own-CN rule")
                .isFalse();

        Path toml = dir.resolve("scheduler.toml");
        Files.writeString(toml, "[security]\nstore-cert-allowed-cn = [\"store-*\"]\n");
        assertThat(SecurityToml.readFile(toml).storeCertAllowedCn()).containsExactly("store-*");
        Files.writeString(toml, "[security]\nstore-cert-allowed-cn = \"store\"\n");
        assertThatThrownBy(() -> SecurityToml.readFile(toml))
                .hasMessageContaining("security.store-cert-allowed-cn: expected a list of strings");
        SecurityOptions flags = new SecurityOptions();
        new picocli.CommandLine(new Object() {
                    @picocli.CommandLine.Mixin
                    SecurityOptions security = flags;
                })
                .parseArgs("--store-cert-allowed-cn", "a,b*");
        assertThat(flags.config().storeCertAllowedCn()).containsExactly("a", "b*");
        assertThat(SecurityOptions.asArguments(flags.config())).containsSequence("--store-cert-allowed-cn", "a,b*");
    }

    @Test
    void plaintextHasNoPolicy() {
        assertThat(TlsCredentials.plaintext().storePolicy()).isNull();
    }
}
