package io.tinykv.server.playground;

import io.tinykv.server.ServeUntilSignal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts {@code tinykv} child processes, reports the ones that end on their own, and stops them all:
 * SIGTERM, a grace period, then SIGKILL for any still running. Thread-safe: the shutdown hook stops
 * the children while the main thread may still be starting or watching them.
 */
public final class Supervisor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Supervisor.class);
    /** How long {@link #close()} lets children stop cleanly. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(30);
    /** How long to wait for a child to vanish after SIGKILL (it cannot refuse; this is bookkeeping). */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    /** Told when a child ends although nobody asked it to stop. Called on a process-reaper thread. */
    @FunctionalInterface
    public interface ExitListener {
        void unexpectedExit(ChildProcess child, int exitCode);

        /**
         * Logs the exit code, the log file and the command that restarts the child by hand; a
         * store that stopped because it became a tombstone is an operator's doing, logged as such.
         */
        ExitListener LOG_IT = (child, exitCode) -> {
            if (exitCode == ServeUntilSignal.EXIT_TOMBSTONE) {
                LOG.info(
                        "{} (pid {}) stopped: its store is a tombstone (taken offline, its replicas moved away); "
                                + "its log is {}",
                        child.name(),
                        child.pid(),
                        child.spec().logFile());
            } else {
                LOG.error(
                        "{} (pid {}) exited unexpectedly with code {}; its log is {}; restart it by hand with: {}",
                        child.name(),
                        child.pid(),
                        exitCode,
                        child.spec().logFile(),
                        child.spec().tinykvCommandLine());
            }
        };
    }

    /** Starts one child process (the real one runs {@code tinykv} through {@link ChildMain}). */
    @FunctionalInterface
    public interface Launcher {
        ChildProcess launch(ChildSpec spec);
    }

    /** How one child ended when it was stopped. */
    public record Stopped(String name, long pid, int exitCode, boolean killed) {}

    private final Launcher launcher;
    private final ExitListener listener;
    private final List<ChildProcess> children = new ArrayList<>(); // guarded by this
    private boolean stopping; // guarded by this

    /** Runs {@code tinykv} children with the given java and class path. */
    public Supervisor(JavaCommand java, ExitListener listener) {
        this(spec -> ChildProcess.start(spec, java), listener);
    }

    public Supervisor(Launcher launcher, ExitListener listener) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Starts a child and watches it.
     *
     * @throws IllegalStateException when the supervisor is already stopping
     */
    public synchronized ChildProcess start(ChildSpec spec) {
        if (stopping) {
            throw new IllegalStateException("stopping: not starting " + spec.name());
        }
        if (children.stream().anyMatch(c -> c.name().equals(spec.name()) && c.isAlive())) {
            throw new IllegalStateException(spec.name() + " is already running");
        }
        ChildProcess child = launcher.launch(spec);
        children.add(child);
        child.onExit().thenAccept(exitCode -> {
            if (!isStopping()) {
                listener.unexpectedExit(child, exitCode);
            }
        });
        return child;
    }

    /** Every child started so far, in start order, alive or not. */
    public synchronized List<ChildProcess> children() {
        return List.copyOf(children);
    }

    public synchronized boolean isStopping() {
        return stopping;
    }

    /**
     * Stops every child still running: SIGTERM to all of them at once (so their grace periods overlap),
     * then waits until {@code grace} has passed in total, then SIGKILL for the rest. Safe to call more
     * than once and from several threads.
     *
     * @return how each child that was running ended, in start order
     */
    public List<Stopped> stopAll(Duration grace) {
        List<ChildProcess> running;
        synchronized (this) {
            stopping = true;
            running = children.stream().filter(ChildProcess::isAlive).toList();
        }
        for (ChildProcess child : running.reversed()) {
            LOG.info("stopping {} (SIGTERM)", child);
            child.terminate();
        }
        long deadlineNanos = System.nanoTime() + grace.toNanos();
        List<Stopped> stopped = new ArrayList<>();
        for (ChildProcess child : running) {
            boolean killed = false;
            try {
                long leftNanos = Math.max(0, deadlineNanos - System.nanoTime());
                if (!child.awaitExit(Duration.ofNanos(leftNanos))) {
                    LOG.warn("{} did not stop within {}; killing it (SIGKILL)", child, grace);
                    child.kill();
                    killed = true;
                    if (!child.awaitExit(KILL_WAIT)) {
                        LOG.error("{} still runs {} after SIGKILL", child, KILL_WAIT);
                        continue;
                    }
                }
            } catch (InterruptedException e) {
                // Whoever interrupts a shutdown still wants no orphans: kill the rest without waiting.
                Thread.currentThread().interrupt();
                running.stream().filter(ChildProcess::isAlive).forEach(ChildProcess::kill);
                LOG.warn("interrupted while stopping children; killed those still running");
                break;
            }
            stopped.add(new Stopped(child.name(), child.pid(), child.exitCode(), killed));
        }
        return stopped;
    }

    /** Kills every child at once, without a grace period (the last resort of a failing start). */
    public void killAll() {
        List<ChildProcess> running;
        synchronized (this) {
            stopping = true;
            running = children.stream().filter(ChildProcess::isAlive).toList();
        }
        running.forEach(ChildProcess::kill);
        for (ChildProcess child : running) {
            try {
                child.awaitExit(KILL_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stopAll(DEFAULT_STOP_GRACE);
    }

    /**
     * For messages: the children that have ended, with their exit codes — only the latest start of
     * each name, so a child that was restarted no longer counts as ended.
     */
    public synchronized List<String> exited() {
        Map<String, ChildProcess> latest = new LinkedHashMap<>();
        for (ChildProcess child : children) {
            latest.put(child.name(), child);
        }
        List<String> exited = new ArrayList<>();
        for (ChildProcess child : latest.values()) {
            if (!child.isAlive()) {
                exited.add(child.name() + " (exit code " + child.exitCode() + ", log "
                        + child.spec().logFile() + ")");
            }
        }
        return exited;
    }
}
