package io.tinykv.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where tinykv comes from in the comparisons: started here, or already running. */
public final class ServerOptions {

    @Option(names = "--tinykv-bin", description = "the launcher that starts tinykv standalone (default: ${DEFAULT-VALUE})")
    Path tinykvLauncher = Path.of("bin/tinykv");

    @Option(names = "--tinykv-pd", split = ",",
            description = "use an already running tinykv at these PD addresses instead of starting one")
    List<String> tinykvPd = new ArrayList<>();

    @Option(names = "--tinykv-label", description = "how an already running tinykv is described (default: ${DEFAULT-VALUE})")
    String tinykvLabel = "external tinykv";

    @Option(names = "--host", description = "loopback address the servers bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(names = "--tinykv-port", description = "port tinykv standalone binds (default: ${DEFAULT-VALUE})")
    int tinykvPort = 20960;

    @Option(names = "--startup-timeout", converter = DurationConverter.class,
            description = "how long a server may take to become ready (default: ${DEFAULT-VALUE})")
    Duration startupTimeout = Duration.ofMinutes(5);

    @Option(names = "--request-timeout", converter = DurationConverter.class,
            description = "per-request deadline (default: ${DEFAULT-VALUE})")
    Duration requestTimeout = Duration.ofSeconds(10);
}
