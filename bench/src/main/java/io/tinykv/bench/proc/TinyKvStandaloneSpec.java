package io.tinykv.bench.proc;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A single-node {@code tinykv standalone} server: a scheduler (the PD address) on {@code port} and
 * one store on the next port, every region with one replica, every write synced in its Raft log.
 *
 * @param launcher the {@code bin/tinykv} script
 * @param host the loopback address it binds
 * @param port its scheduler's port, the PD address clients use (its store takes the next one)
 * @param dataDir its data directory (on the disk being measured)
 * @param logFile where its output goes
 */
public record TinyKvStandaloneSpec(Path launcher, String host, int port, Path dataDir, Path logFile) {

    public String address() {
        return host + ":" + port;
    }

    public ProcessSpec processSpec() {
        // No status/metrics endpoint: its fixed default port could collide, and nothing here reads it.
        List<String> command = List.of(
                launcher.toString(),
                "standalone",
                "--addr",
                address(),
                "--data-dir",
                dataDir.toString(),
                "--status-addr",
                "");
        Path workDir = launcher.toAbsolutePath().getParent().getParent();
        return new ProcessSpec("tinykv-standalone", command, workDir, logFile, Map.of());
    }
}
