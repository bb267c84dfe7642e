package io.tinykv.server.playground;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code tinykv} child process: started through {@link ChildMain} with the playground's java
 * and class path, its output appended to its log file, its stdin a pipe that this object holds open
 * for the child's whole life (closing it, or this process dying, tells the child to stop; see
 * {@link ParentWatch}).
 */
public final class ChildProcess {
    private final ChildSpec spec;
    private final List<String> command;
    private final Process process;
    /** Held, never written: the child stops when it is closed. */
    private final OutputStream lifeline;
    /** The exit code, completed by this child's own watcher thread. */
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();

    private ChildProcess(ChildSpec spec, List<String> command, Process process) {
        this.spec = spec;
        this.command = command;
        this.process = process;
        this.lifeline = process.getOutputStream();
        // Not Process.onExit(): it completes on the common ForkJoinPool, which on a 2-core machine has
        // one thread (JDK 25 uses it even then), so any long task there, the caller's or a library's,
        // delays the news of an exit for as long as it runs.
        Thread.ofPlatform()
                .daemon()
                .name("exit-watch-" + spec.name() + "-" + process.pid())
                .start(this::awaitExitCode);
    }

    private void awaitExitCode() {
        while (true) {
            try {
                exit.complete(process.waitFor());
                return;
            } catch (InterruptedException e) {
                // Nothing interrupts this thread on purpose; the exit is still worth reporting.
            }
        }
    }

    /**
     * Starts the child; does not wait for it to serve. The log file gets a header line with the time
     * and the command line first.
     *
     * @throws UncheckedIOException when the log cannot be written or the process cannot be started
     */
    public static ChildProcess start(ChildSpec spec, JavaCommand java) {
        return start(spec, java, ChildMain.class.getName());
    }

    /** Like {@link #start(ChildSpec, JavaCommand)} with another main class (tests run stand-ins). */
    static ChildProcess start(ChildSpec spec, JavaCommand java, String mainClass) {
        Objects.requireNonNull(spec, "spec");
        List<String> command = java.command(mainClass, spec.args());
        Instant now = Instant.now();
        try {
            Files.createDirectories(spec.logFile().toAbsolutePath().getParent());
            Files.writeString(
                    spec.logFile(),
                    "# " + now + " playground starts " + spec.name() + ": " + spec.tinykvCommandLine() + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(
                            ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            return new ChildProcess(spec, List.copyOf(command), process);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + spec.name() + " (" + spec.tinykvCommandLine() + ")", e);
        }
    }

    public ChildSpec spec() {
        return spec;
    }

    public String name() {
        return spec.name();
    }

    public long pid() {
        return process.pid();
    }

    /** The exact command the child was started with ({@code java ... ChildMain ...}). */
    public List<String> command() {
        return command;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Completes with the exit code when the process ends, on this child's watcher thread (so
     * dependent actions must not block: others may wait for it too).
     */
    public CompletableFuture<Integer> onExit() {
        return exit.copy();
    }

    /** The exit code; only once the process has ended. */
    public int exitCode() {
        return process.exitValue();
    }

    /** Asks the child to stop: SIGTERM (the JDK also closes the child's stdin, which says the same). */
    public void terminate() {
        process.destroy();
    }

    /** Stops the child at once: SIGKILL. */
    public void kill() {
        process.destroyForcibly();
    }

    /**
     * Waits for the child to end.
     *
     * @return whether it ended within {@code timeout}
     */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Closes the child's stdin, which it takes as its parent being gone (it then stops cleanly). */
    void cutLifeline() {
        try {
            lifeline.close();
        } catch (IOException e) {
            // Already closed or the child is gone: either way it no longer listens.
        }
    }

    @Override
    public String toString() {
        return spec.name() + " (pid " + process.pid() + ")";
    }
}
