package io.tinykv.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code [security]} settings, named as in TiKV: mutual TLS is on when {@code ca-path},
 * {@code cert-path} and {@code key-path} are all set, off when none is. With it on, every gRPC
 * server asks for a client certificate signed by the CA, every client presents {@code cert-path},
 * and the status endpoints serve HTTPS the same way.
 *
 * @param caPath PEM file with the CA certificate(s) both sides are checked against; null: not set
 * @param certPath PEM file with this process's certificate (chain), used as server and as client
 * @param keyPath PEM file with the certificate's private key in PKCS#8 ({@code BEGIN PRIVATE KEY},
 *     as {@code openssl genpkey} writes it)
 * @param certAllowedCn when not empty, a connecting peer's certificate must carry one of these
 *     common names (checked by servers only, as TiKV does)
 * @param storeCertAllowedCn which certificates are stores' ({@link StoreCertificatePolicy}): the
 *     store-to-store service and the scheduler's store-side calls accept only a certificate whose
 *     common name is one of these (an entry ending in {@code *} matches by prefix); when empty, only
 *     a certificate with this process's own common name
 */
public record SecurityConfig(
        Path caPath, Path certPath, Path keyPath, List<String> certAllowedCn, List<String> storeCertAllowedCn) {

    /** TOML keys of the {@code [security]} section. */
    public static final String SECTION = "security";

    public static final String CA_PATH = "ca-path";
    public static final String CERT_PATH = "cert-path";
    public static final String KEY_PATH = "key-path";
    public static final String CERT_ALLOWED_CN = "cert-allowed-cn";
    public static final String STORE_CERT_ALLOWED_CN = "store-cert-allowed-cn";
    public static final List<String> KEYS =
            List.of(CA_PATH, CERT_PATH, KEY_PATH, CERT_ALLOWED_CN, STORE_CERT_ALLOWED_CN);

    public SecurityConfig {
        certAllowedCn = certAllowedCn == null ? List.of() : List.copyOf(certAllowedCn);
        storeCertAllowedCn = storeCertAllowedCn == null ? List.of() : List.copyOf(storeCertAllowedCn);
    }

    /** Without {@code store-cert-allowed-cn}: a store certificate carries this process's own common name. */
    public SecurityConfig(Path caPath, Path certPath, Path keyPath, List<String> certAllowedCn) {
        this(caPath, certPath, keyPath, certAllowedCn, List.of());
    }

    /** Plaintext everywhere: today's behaviour and the default. */
    public static SecurityConfig disabled() {
        return new SecurityConfig(null, null, null, List.of(), List.of());
    }

    /** This config with {@code store-cert-allowed-cn} set to {@code names}. */
    public SecurityConfig withStoreCertAllowedCn(List<String> names) {
        return new SecurityConfig(caPath, certPath, keyPath, certAllowedCn, names);
    }

    public boolean enabled() {
        return caPath != null && certPath != null && keyPath != null;
    }

    /** This config with every setting that {@code other} sets (non-null, non-empty) taken from it. */
    public SecurityConfig overriddenBy(SecurityConfig other) {
        return new SecurityConfig(
                other.caPath != null ? other.caPath : caPath,
                other.certPath != null ? other.certPath : certPath,
                other.keyPath != null ? other.keyPath : keyPath,
                other.certAllowedCn.isEmpty() ? certAllowedCn : other.certAllowedCn,
                other.storeCertAllowedCn.isEmpty() ? storeCertAllowedCn : other.storeCertAllowedCn);
    }

    /**
     * Everything wrong with these settings, each problem naming its setting: some paths set but not
     * all three, {@code cert-allowed-cn} without TLS, unreadable files, a certificate or key that does
     * not parse, a key that does not belong to the certificate. Empty when TLS is off and nothing is set.
     */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        int set = (caPath != null ? 1 : 0) + (certPath != null ? 1 : 0) + (keyPath != null ? 1 : 0);
        if (set == 0) {
            if (!certAllowedCn.isEmpty()) {
                problems.add("security.cert-allowed-cn needs TLS: set security.ca-path, cert-path and key-path");
            }
            if (!storeCertAllowedCn.isEmpty()) {
                problems.add("security.store-cert-allowed-cn needs TLS: set security.ca-path, cert-path and key-path");
            }
            return problems;
        }
        if (set < 3) {
            problems.add("security: ca-path, cert-path and key-path must be set together (got ca-path=" + text(caPath)
                    + ", cert-path=" + text(certPath) + ", key-path=" + text(keyPath) + ")");
            return problems;
        }
        for (String cn : certAllowedCn) {
            if (cn.isBlank()) {
                problems.add("security.cert-allowed-cn must not contain an empty name");
            }
        }
        for (String cn : storeCertAllowedCn) {
            if (cn.isBlank() || cn.equals("*")) {
                problems.add("security.store-cert-allowed-cn must name stores' common names (got '" + cn
                        + "'; a bare '*' would admit every certificate of the CA)");
            } else if (cn.indexOf('*') >= 0 && cn.indexOf('*') != cn.length() - 1) {
                problems.add("security.store-cert-allowed-cn: '" + cn + "': '*' may only end a name (a prefix)");
            }
        }
        boolean readable = readable(problems, CA_PATH, caPath)
                & readable(problems, CERT_PATH, certPath)
                & readable(problems, KEY_PATH, keyPath);
        if (readable) {
            try {
                PemFiles.load(caPath, certPath, keyPath);
            } catch (PemFiles.PemException e) {
                problems.add("security." + e.setting() + ": " + e.getMessage());
            }
        }
        return problems;
    }

    /**
     * @throws SecurityConfigException listing every problem of {@link #problems()}
     */
    public SecurityConfig validate() {
        List<String> problems = problems();
        if (!problems.isEmpty()) {
            throw new SecurityConfigException(problems);
        }
        return this;
    }

    private static boolean readable(List<String> problems, String key, Path path) {
        if (!Files.isRegularFile(path)) {
            problems.add("security." + key + ": " + path + " does not exist or is not a file");
            return false;
        }
        if (!Files.isReadable(path)) {
            problems.add("security." + key + ": " + path + " is not readable");
            return false;
        }
        return true;
    }

    private static String text(Path path) {
        return path == null ? "(not set)" : path.toString();
    }
}
