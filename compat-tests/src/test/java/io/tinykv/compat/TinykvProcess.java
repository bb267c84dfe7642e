package io.tinykv.compat;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.scheduler.ReadyFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code tinykv standalone} process, started with the server's class path on a loopback
 * port, its output captured in a log file. {@link #close()} always kills it, so a failing test
 * never leaves a process behind.
 */
final class TinykvProcess implements AutoCloseable {

    static final String LOOPBACK = "127.0.0.1";
    private static final int JDK_WITH_UNSAFE_WARNINGS = 23;
    private static final int JDK_WITH_NATIVE_ACCESS_WARNINGS = 22;
    private static final Duration HEALTH_ATTEMPT = Duration.ofSeconds(2);
    /** The ready file's key for the store's address ({@code StandaloneCommand.READY_STORE_ADDR}). */
    private static final String READY_STORE_ADDR = "store-addr";

    /** How long the JVM may take to bind its port: generous, on a busy machine. */
    private static final Duration BIND_WAIT = Duration.ofMinutes(5);

    private final Process process;
    private final Path readyFile;
    private final Path logFile;
    /** The port it bound, once it reported it. */
    private volatile int port;
    /** Where its store listens, once it reported it. */
    private volatile String storeAddress;

    private TinykvProcess(Process process, Path readyFile, Path logFile) {
        this.process = process;
        this.readyFile = readyFile;
        this.logFile = logFile;
    }

    /**
     * Starts {@code tinykv standalone} on loopback port 0 (it reports the port it got in a ready file
     * next to the log, see {@link ReadyFiles}); does not wait for it to serve.
     */
    static TinykvProcess start(Path dataDir, Path logFile) {
        Path readyFile = logFile.resolveSibling(logFile.getFileName() + ".ready");
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        int jdk = Runtime.version().feature();
        if (jdk >= JDK_WITH_UNSAFE_WARNINGS) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        if (jdk >= JDK_WITH_NATIVE_ACCESS_WARNINGS) {
            command.add("--enable-native-access=ALL-UNNAMED");
        }
        command.addAll(List.of(
                "-Xmx256m",
                "-cp",
                serverClassPath(),
                "io.tinykv.server.Main",
                "standalone",
                "--addr",
                ReadyFiles.ANY_LOOPBACK_PORT,
                "--status-addr",
                "",
                "--data-dir",
                dataDir.toString(),
                "--ready-file",
                readyFile.toString()));
        try {
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            return new TinykvProcess(p, readyFile, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start tinykv: " + command, e);
        }
    }

    /**
     * Its address, the PD address clients use (its scheduler's); waits until it serves (fails, with
     * the log, if it ends first).
     */
    String address() {
        return LOOPBACK + ":" + port();
    }

    /** Its store's address, for calls a test makes to the store itself (e.g. a lock probe). */
    String storeAddress() {
        port();
        return storeAddress;
    }

    private int port() {
        if (port == 0) {
            Map<String, String> ready = ReadyFiles.await(
                    "tinykv",
                    process::isAlive,
                    readyFile,
                    BIND_WAIT,
                    () -> "exit code " + process.exitValue() + "; its log:\n" + log());
            String addr = ready.get(ReadyFile.ADDR);
            storeAddress = ready.get(READY_STORE_ADDR);
            port = Integer.parseInt(addr.substring(addr.lastIndexOf(':') + 1));
        }
        return port;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits until the health service says SERVING; fails early, with the log, if the process dies. */
    TinykvProcess awaitServing(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        ManagedChannel channel = NettyChannelBuilder.forAddress(new InetSocketAddress(LOOPBACK, port()))
                .usePlaintext()
                .build();
        try {
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new AssertionError(
                            "tinykv exited with code " + process.exitValue() + " before serving; its log:\n" + log());
                }
                // Watch waits for the connection (wait-for-ready) and then streams status changes,
                // so there is no polling interval to tune.
                try {
                    Iterator<HealthCheckResponse> statuses = HealthGrpc.newBlockingStub(channel)
                            .withWaitForReady()
                            .withDeadlineAfter(HEALTH_ATTEMPT.toMillis(), TimeUnit.MILLISECONDS)
                            .watch(HealthCheckRequest.getDefaultInstance());
                    while (statuses.hasNext()) {
                        if (statuses.next().getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
                            return this;
                        }
                    }
                } catch (StatusRuntimeException notYet) {
                    // Deadline of this attempt passed or the server is still starting: try again.
                }
            }
            throw new AssertionError("tinykv did not serve within " + timeout + "; its log:\n" + log());
        } finally {
            channel.shutdownNow();
        }
    }

    /** Sends SIGTERM and waits for the process to exit; returns its exit code. */
    int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("tinykv did not exit within " + timeout + " of SIGTERM; its log:\n" + log());
        }
        return process.exitValue();
    }

    /** Waits for the process to exit by itself; returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("tinykv still running after " + timeout + "; its log:\n" + log());
        }
        return process.exitValue();
    }

    String log() {
        try {
            return Files.readString(logFile);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Kills the process if it still runs (SIGKILL: a test that got here may have failed). */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static String serverClassPath() {
        String file = System.getProperty("tinykv.server.classpath.file");
        if (file == null) {
            throw new IllegalStateException("system property tinykv.server.classpath.file is not set "
                    + "(run the tests through Maven: mvn -pl compat-tests -am verify)");
        }
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server class path from " + file, e);
        }
    }
}
