package io.tinykv.bench.compare;

import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.proc.EtcdClusterSpec;
import io.tinykv.bench.proc.ManagedProcess;
import io.tinykv.bench.proc.ProcessGroup;
import io.tinykv.bench.proc.ProcessSpec;
import io.tinykv.bench.proc.Readiness;
import io.tinykv.bench.proc.ServiceProbe;
import io.tinykv.bench.proc.TinyKvPlaygroundSpec;
import io.tinykv.bench.proc.TinyKvStandaloneSpec;
import io.tinykv.client.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Starts the servers a comparison measures, inside a {@link ProcessGroup} that will stop them. */
public final class LocalServices {

    /** The playground's default size: three stores, so every region can have three replicas. */
    static final int PLAYGROUND_STORES = 3;

    private final ProcessGroup group;
    private final ServiceProbe probe;
    private final Clock clock;
    private final Duration startupTimeout;

    public LocalServices(ProcessGroup group, ServiceProbe probe, Clock clock, Duration startupTimeout) {
        this.group = group;
        this.probe = probe;
        this.clock = clock;
        this.startupTimeout = startupTimeout;
    }

    /** Starts every member and waits until each reports healthy; returns the client URLs. */
    public List<String> startEtcd(EtcdClusterSpec spec) throws IOException, InterruptedException {
        for (int port : spec.ports()) {
            requireFree(spec.host(), port, "etcd");
        }
        Files.createDirectories(spec.dataRoot());
        List<ManagedProcess> members = new java.util.ArrayList<>();
        for (ProcessSpec member : spec.memberSpecs()) {
            members.add(group.start(member));
        }
        for (int i = 0; i < spec.members(); i++) {
            String url = spec.clientEndpoints().get(i);
            ProcessSpec member = spec.memberSpec(i);
            Readiness.await(
                    clock,
                    member.name() + " at " + url,
                    () -> probe.etcdHealthy(url),
                    members.get(i),
                    member.logFile(),
                    startupTimeout);
        }
        return spec.clientEndpoints();
    }

    /**
     * The PD addresses of the tinykv a run measures: the running one the settings name, or a
     * standalone server or playground started here (and stopped with the group).
     */
    public List<String> tinykv(ComparisonSettings settings) throws IOException, InterruptedException {
        if (!settings.tinykvPd().isEmpty()) {
            return settings.tinykvPd();
        }
        Path logFile = settings.logDir().resolve("tinykv.log");
        Path dataDir = settings.dataDir().resolve("tinykv");
        return List.of(
                switch (settings.topology()) {
                    case STANDALONE ->
                        startStandalone(new TinyKvStandaloneSpec(
                                settings.tinykvLauncher(), settings.host(), settings.tinykvPort(), dataDir, logFile));
                    case PLAYGROUND ->
                        startPlayground(new TinyKvPlaygroundSpec(
                                settings.tinykvLauncher(),
                                settings.host(),
                                settings.tinykvPort(),
                                settings.tinykvPort() + ComparisonSettings.PLAYGROUND_STORE_PORT_OFFSET,
                                PLAYGROUND_STORES,
                                dataDir,
                                logFile));
                });
    }

    /**
     * Starts {@code tinykv standalone} and waits until a write through its address (its scheduler,
     * which opens before its store serves) succeeds; requires the store's port (the next one) free
     * too; returns the address.
     */
    public String startStandalone(TinyKvStandaloneSpec spec) throws IOException, InterruptedException {
        requireLauncher(spec.launcher());
        requireFree(spec.host(), spec.port(), "tinykv standalone's scheduler");
        requireFree(spec.host(), spec.port() + 1, "tinykv standalone's store");
        Files.createDirectories(spec.dataDir());
        ProcessSpec processSpec = spec.processSpec();
        ManagedProcess server = group.start(processSpec);
        Readiness.await(
                clock,
                "tinykv standalone at " + spec.address(),
                () -> probe.tinykvServes(spec.address()),
                server,
                processSpec.logFile(),
                startupTimeout);
        return spec.address();
    }

    /**
     * Starts {@code tinykv playground} and waits until a write through its scheduler's address
     * succeeds (every store registered and region 1 led); returns the scheduler's address.
     */
    public String startPlayground(TinyKvPlaygroundSpec spec) throws IOException, InterruptedException {
        requireLauncher(spec.launcher());
        requireFree(spec.host(), spec.pdPort(), "the tinykv playground's scheduler");
        for (int i = 0; i < spec.stores(); i++) {
            requireFree(spec.host(), spec.basePort() + i, "a tinykv playground store");
        }
        Files.createDirectories(spec.dataDir());
        ProcessSpec processSpec = spec.processSpec();
        ManagedProcess playground = group.start(processSpec);
        Readiness.await(
                clock,
                "tinykv playground at " + spec.pdAddress(),
                () -> probe.tinykvServes(spec.pdAddress()),
                playground,
                processSpec.logFile(),
                startupTimeout);
        return spec.pdAddress();
    }

    private static void requireLauncher(Path launcher) {
        if (!Files.isExecutable(launcher)) {
            throw new BenchException("cannot start tinykv: " + launcher + " is not an executable file"
                    + " (run from the repository root, or pass --tinykv-bin, or --tinykv-pd for a running tinykv)");
        }
    }

    private void requireFree(String host, int port, String who) {
        if (!probe.portFree(host, port)) {
            throw new BenchException("port " + host + ":" + port + " for " + who
                    + " is already in use; stop what uses it or choose other ports");
        }
    }

    /** Removes a previous run's data directory so every run starts empty. */
    public static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
