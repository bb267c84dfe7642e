package io.tinykv.bench.proc;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A replicated {@code tinykv playground}: one scheduler and {@code stores} store processes on
 * loopback, every region on three stores, every write synced on a quorum before it is acknowledged.
 *
 * @param launcher the {@code bin/tinykv} script
 * @param host the loopback address the processes bind
 * @param pdPort the scheduler's port (the address clients are given)
 * @param basePort the first store port; the playground places its stores from there
 * @param stores how many store processes
 * @param dataDir the playground's folder (on the disk being measured)
 * @param logFile where the playground's own output goes (each child logs beside its data)
 */
public record TinyKvPlaygroundSpec(
        Path launcher, String host, int pdPort, int basePort, int stores, Path dataDir, Path logFile) {

    public TinyKvPlaygroundSpec {
        if (stores < 1) {
            throw new IllegalArgumentException("a playground needs at least one store, got " + stores);
        }
    }

    public String pdAddress() {
        return host + ":" + pdPort;
    }

    public ProcessSpec processSpec() {
        List<String> command = List.of(
                launcher.toString(),
                "playground",
                "--data-dir",
                dataDir.toString(),
                "--stores",
                Integer.toString(stores),
                "--pd-port",
                Integer.toString(pdPort),
                "--base-port",
                Integer.toString(basePort));
        Path workDir = launcher.toAbsolutePath().getParent().getParent();
        return new ProcessSpec("tinykv-playground", command, workDir, logFile, Map.of());
    }
}
