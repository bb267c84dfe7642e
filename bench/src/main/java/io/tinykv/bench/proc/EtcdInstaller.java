package io.tinykv.bench.proc;

import io.tinykv.bench.driver.BenchException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds the etcd server binary, installing Debian's {@code etcd-server} package (etcd 3.4, at
 * {@code /usr/bin/etcd}) when it is missing.
 */
public final class EtcdInstaller {

    public static final String PACKAGE = "etcd-server";
    static final Path DEBIAN_BINARY = Path.of("/usr/bin/etcd");
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(10);

    private final ProcessLauncher launcher;
    private final Function<String, Optional<Path>> which;
    private final Path logDir;
    private final PrintStream log;

    /**
     * @param which finds an executable on the PATH by name
     * @param logDir where apt-get's output goes
     */
    public EtcdInstaller(
            ProcessLauncher launcher, Function<String, Optional<Path>> which, Path logDir, PrintStream log) {
        this.launcher = launcher;
        this.which = which;
        this.logDir = logDir;
        this.log = log;
    }

    /** The etcd binary, installed first if need be. */
    public Path ensureInstalled() throws IOException, InterruptedException {
        Optional<Path> found = which.apply("etcd");
        if (found.isPresent()) {
            return found.get();
        }
        log.println("etcd not found; installing Debian's " + PACKAGE + " package (apt-get install -y " + PACKAGE + ")");
        Path aptLog = logDir.resolve("apt-get.log");
        Map<String, String> env = Map.of("DEBIAN_FRONTEND", "noninteractive");
        int code = launcher.run(
                new ProcessSpec(
                        "apt-get install", List.of("apt-get", "install", "-y", "-q", PACKAGE), logDir, aptLog, env),
                INSTALL_TIMEOUT);
        if (code != 0) {
            // The package lists may be missing or stale on a fresh machine.
            int update = launcher.run(
                    new ProcessSpec("apt-get update", List.of("apt-get", "update", "-q"), logDir, aptLog, env),
                    INSTALL_TIMEOUT);
            code = update == 0
                    ? launcher.run(
                            new ProcessSpec(
                                    "apt-get install",
                                    List.of("apt-get", "install", "-y", "-q", PACKAGE),
                                    logDir,
                                    aptLog,
                                    env),
                            INSTALL_TIMEOUT)
                    : update;
        }
        Optional<Path> installed = which.apply("etcd");
        if (code != 0 || installed.isEmpty()) {
            throw new BenchException("could not install " + PACKAGE + " (exit " + code + "); see " + aptLog
                    + ", or install etcd yourself and put it on the PATH");
        }
        return installed.get();
    }

    /** Looks an executable up on the PATH, as a shell would. */
    public static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir).resolve(name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Files.isExecutable(DEBIAN_BINARY) && name.equals("etcd") ? Optional.of(DEBIAN_BINARY) : Optional.empty();
    }
}
