package io.tinykv.bench.compare;

import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.driver.Clock;
import io.tinykv.bench.proc.EtcdClusterSpec;
import io.tinykv.bench.proc.ManagedProcess;
import io.tinykv.bench.proc.ProcessGroup;
import io.tinykv.bench.proc.ProcessSpec;
import io.tinykv.bench.proc.Readiness;
import io.tinykv.bench.proc.ServiceProbe;
import io.tinykv.bench.proc.TinyKvStandaloneSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Starts the servers a comparison measures, inside a {@link ProcessGroup} that will stop them. */
public final class LocalServices {

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
            Readiness.await(clock, member.name() + " at " + url, () -> probe.etcdHealthy(url), members.get(i),
                    member.logFile(), startupTimeout);
        }
        return spec.clientEndpoints();
    }

    /** Starts {@code tinykv standalone} and waits until it accepts connections; returns its address. */
    public String startTinyKv(TinyKvStandaloneSpec spec) throws IOException, InterruptedException {
        if (!Files.isExecutable(spec.launcher())) {
            throw new BenchException("cannot start tinykv: " + spec.launcher() + " is not an executable file"
                    + " (run from the repository root, or pass --tinykv-bin, or --tinykv-pd for a running server)");
        }
        requireFree(spec.host(), spec.port(), "tinykv");
        Files.createDirectories(spec.dataDir());
        ProcessSpec processSpec = spec.processSpec();
        ManagedProcess server = group.start(processSpec);
        Readiness.await(clock, "tinykv standalone at " + spec.address(), () -> probe.portOpen(spec.host(), spec.port()),
                server, processSpec.logFile(), startupTimeout);
        return spec.address();
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
