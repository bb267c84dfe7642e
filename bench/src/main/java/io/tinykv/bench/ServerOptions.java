package io.tinykv.bench;

import io.tinykv.bench.compare.TinyKvTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where tinykv comes from in the comparisons: started here, or already running. */
public final class ServerOptions {

    @Option(
            names = "--tinykv-bin",
            description = "the launcher that starts tinykv standalone (default: ${DEFAULT-VALUE})")
    Path tinykvLauncher = Path.of("bin/tinykv");

    @Option(
            names = "--tinykv",
            paramLabel = "standalone|playground",
            description = "which tinykv to start: one standalone node, or the replicated playground (a scheduler and"
                    + " three stores). Default: playground for compare-etcd (standalone with --single), standalone"
                    + " for baseline and txn-baseline.")
    TinyKvTopology topology;

    @Option(
            names = "--tinykv-pd",
            split = ",",
            description = "use an already running tinykv at these PD addresses instead of starting one")
    List<String> tinykvPd = new ArrayList<>();

    @Option(
            names = "--tinykv-label",
            description = "how an already running tinykv is described (default: ${DEFAULT-VALUE})")
    String tinykvLabel = "external tinykv";

    @Option(names = "--host", description = "loopback address the servers bind (default: ${DEFAULT-VALUE})")
    String host = "127.0.0.1";

    @Option(
            names = "--tinykv-port",
            description = "port tinykv standalone binds, or the playground's scheduler (its"
                    + " stores bind from this port + 10) (default: ${DEFAULT-VALUE})")
    int tinykvPort = 20960;

    @Option(
            names = "--startup-timeout",
            converter = DurationConverter.class,
            description = "how long a server may take to become ready (default: ${DEFAULT-VALUE})")
    Duration startupTimeout = Duration.ofMinutes(5);

    @Option(
            names = "--request-timeout",
            converter = DurationConverter.class,
            description = "per-request deadline (default: ${DEFAULT-VALUE})")
    Duration requestTimeout = Duration.ofSeconds(10);

    /** The topology asked for, or {@code fallback} when none was. */
    TinyKvTopology topologyOr(TinyKvTopology fallback) {
        return topology != null ? topology : fallback;
    }
}
