package io.tinykv.bench.compare;

import io.tinykv.bench.driver.DriverConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a comparison run measures and where its servers go.
 *
 * @param workloads the workloads, in order
 * @param clientCounts the concurrencies, in order
 * @param base everything else about each run (sizes, duration, warm-up, records)
 * @param outDir where the results, logs and data directories go
 * @param single one etcd member instead of three (a like-for-like single-node comparison)
 * @param topology which tinykv to start (standalone or playground) when {@code tinykvPd} is empty
 * @param tinykvLauncher the {@code bin/tinykv} script that starts tinykv
 * @param tinykvPd addresses of an already running tinykv; empty starts one of {@code topology}
 * @param tinykvLabel how an external tinykv is described in the report
 * @param host the loopback address the servers bind
 * @param etcdBasePort the first etcd port (client and peer ports follow, two per member)
 * @param tinykvPort the port tinykv standalone binds, or the playground's scheduler (its stores from
 *     {@code tinykvPort + PLAYGROUND_STORE_PORT_OFFSET})
 * @param startupTimeout how long a server may take to become ready (the launcher may build first)
 * @param requestTimeout the per-request deadline of the clients
 * @param withRocksdb whether to also measure RocksDB in process as the physical reference
 * @param commandLine the command that produced this run, recorded in the report
 */
public record ComparisonSettings(
        List<WorkloadCase> workloads,
        List<Integer> clientCounts,
        DriverConfig base,
        Path outDir,
        boolean single,
        TinyKvTopology topology,
        Path tinykvLauncher,
        List<String> tinykvPd,
        String tinykvLabel,
        String host,
        int etcdBasePort,
        int tinykvPort,
        Duration startupTimeout,
        Duration requestTimeout,
        boolean withRocksdb,
        String commandLine) {

    /** How far above the scheduler's port a started playground places its first store. */
    public static final int PLAYGROUND_STORE_PORT_OFFSET = 10;

    public ComparisonSettings {
        java.util.Objects.requireNonNull(topology, "topology");
        workloads = List.copyOf(workloads);
        clientCounts = List.copyOf(clientCounts);
        tinykvPd = List.copyOf(tinykvPd);
        if (workloads.isEmpty()) {
            throw new IllegalArgumentException("give at least one workload");
        }
        if (clientCounts.isEmpty() || clientCounts.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("client counts must be positive, got " + clientCounts);
        }
    }

    public Path dataDir() {
        return outDir.resolve("data");
    }

    public Path logDir() {
        return outDir.resolve("logs");
    }
}
