package io.tinykv.bench.proc;

import io.tinykv.bench.driver.BenchException;
import io.tinykv.client.Clock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Waits for a started service to become ready, failing fast (with its log) if it dies. */
public final class Readiness {

    static final Duration POLL_INTERVAL = Duration.ofMillis(200);
    private static final int LOG_TAIL_LINES = 20;

    private Readiness() {}

    /**
     * Polls {@code ready} until it holds.
     *
     * @throws BenchException if {@code process} exits first or {@code timeout} passes
     */
    public static void await(
            Clock clock, String what, BooleanSupplier ready, ManagedProcess process, Path logFile, Duration timeout)
            throws InterruptedException {
        long deadline = clock.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (process != null && !process.isAlive()) {
                throw new BenchException(
                        what + " exited before it became ready; last lines of " + logFile + ":\n" + tail(logFile));
            }
            if (clock.nanoTime() >= deadline) {
                throw new BenchException(what + " did not become ready within " + timeout.toSeconds()
                        + "s; last lines of " + logFile + ":\n" + tail(logFile));
            }
            clock.sleep(POLL_INTERVAL);
        }
    }

    static String tail(Path logFile) {
        if (logFile == null) {
            return "(no log)";
        }
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }
}
