package io.tinykv.security;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code [security]} settings as command-line options, the same on every {@code tinykv}
 * command ({@code @Mixin SecurityOptions security}). A flag overrides the same key of a config
 * file; {@link #asArguments()} passes them on to child processes. The options are inherited by
 * subcommands ({@code tinykv ctl get --ca-path ...} as well as {@code tinykv ctl --ca-path ... get}).
 */
public final class SecurityOptions {

    @Option(
            names = "--ca-path",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "PEM CA certificate(s); with --cert-path and --key-path turns on mutual TLS "
                    + "([security] ca-path).")
    Path caPath;

    @Option(
            names = "--cert-path",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description = "PEM certificate this process presents, as server and as client ([security] cert-path).")
    Path certPath;

    @Option(
            names = "--key-path",
            paramLabel = "FILE",
            scope = ScopeType.INHERIT,
            description =
                    "PEM PKCS#8 private key of --cert-path, as 'openssl genpkey' writes it ([security] key-path).")
    Path keyPath;

    @Option(
            names = "--cert-allowed-cn",
            paramLabel = "CN",
            split = ",",
            scope = ScopeType.INHERIT,
            description = "Common names a connecting client's certificate may carry; any when not given "
                    + "([security] cert-allowed-cn).")
    List<String> certAllowedCn = new ArrayList<>();

    @Option(
            names = "--store-cert-allowed-cn",
            paramLabel = "CN",
            split = ",",
            scope = ScopeType.INHERIT,
            description = "Common names of store certificates (a trailing * matches a prefix): only these may use "
                    + "the store-to-store service and the scheduler's store calls; by default this process's own "
                    + "certificate's common name ([security] store-cert-allowed-cn).")
    List<String> storeCertAllowedCn = new ArrayList<>();

    /** The settings given on the command line (what is not given stays null / empty). */
    public SecurityConfig config() {
        return new SecurityConfig(caPath, certPath, keyPath, certAllowedCn, storeCertAllowedCn);
    }

    /** The file's settings with the flags given here on top. */
    public SecurityConfig over(SecurityConfig fromFile) {
        return fromFile.overriddenBy(config());
    }

    /** The given flags as arguments, for a child process that takes the same options. */
    public List<String> asArguments() {
        return asArguments(config());
    }

    /** {@code config} as the options of this mixin. */
    public static List<String> asArguments(SecurityConfig config) {
        List<String> args = new ArrayList<>();
        if (config.caPath() != null) {
            args.addAll(List.of("--ca-path", config.caPath().toAbsolutePath().toString()));
        }
        if (config.certPath() != null) {
            args.addAll(
                    List.of("--cert-path", config.certPath().toAbsolutePath().toString()));
        }
        if (config.keyPath() != null) {
            args.addAll(List.of("--key-path", config.keyPath().toAbsolutePath().toString()));
        }
        if (!config.certAllowedCn().isEmpty()) {
            args.addAll(List.of("--cert-allowed-cn", String.join(",", config.certAllowedCn())));
        }
        if (!config.storeCertAllowedCn().isEmpty()) {
            args.addAll(List.of("--store-cert-allowed-cn", String.join(",", config.storeCertAllowedCn())));
        }
        return args;
    }
}
