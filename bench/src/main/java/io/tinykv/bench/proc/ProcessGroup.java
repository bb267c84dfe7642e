package io.tinykv.bench.proc;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Every process a benchmark started, stopped together: by {@link #close()} on the normal path and
 * on failure (try-with-resources), and by a JVM shutdown hook on Ctrl-C. Processes stop in reverse
 * order of starting.
 */
public final class ProcessGroup implements AutoCloseable {

    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    private final ProcessLauncher launcher;
    private final PrintStream log;
    private final Duration stopGrace;
    private final List<ManagedProcess> started = new ArrayList<>();
    private final Thread shutdownHook;
    private boolean closed;

    /**
     * @param log where to say what is being stopped (stderr), or null
     * @param withShutdownHook whether Ctrl-C (JVM shutdown) also stops the processes
     */
    public ProcessGroup(ProcessLauncher launcher, PrintStream log, Duration stopGrace, boolean withShutdownHook) {
        this.launcher = launcher;
        this.log = log;
        this.stopGrace = stopGrace;
        if (withShutdownHook) {
            shutdownHook = new Thread(this::stopAllQuietly, "bench-process-cleanup");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            shutdownHook = null;
        }
    }

    public synchronized ManagedProcess start(ProcessSpec spec) throws IOException {
        if (closed) {
            throw new IllegalStateException("process group is closed; not starting " + spec.name());
        }
        ManagedProcess p = launcher.start(spec);
        started.add(p);
        say("started " + spec.name() + " (pid " + p.pid() + "), log " + spec.logFile());
        return p;
    }

    /** The processes started so far, oldest first. */
    public synchronized List<ManagedProcess> processes() {
        return List.copyOf(started);
    }

    @Override
    public void close() {
        stopAllQuietly();
        if (shutdownHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // Already shutting down: the hook is running or has run.
            }
        }
    }

    private synchronized void stopAllQuietly() {
        if (closed) {
            return;
        }
        closed = true;
        // An interrupt must not leave processes behind: remember it, stop the rest without waiting,
        // and restore it at the end.
        boolean interrupted = Thread.interrupted();
        for (int i = started.size() - 1; i >= 0; i--) {
            ManagedProcess p = started.get(i);
            try {
                if (p.isAlive()) {
                    say("stopping " + p.name() + " (pid " + p.pid() + ")");
                }
                p.stop(interrupted ? Duration.ZERO : stopGrace);
            } catch (InterruptedException e) {
                interrupted = true;
                retryWithoutGrace(p);
            } catch (RuntimeException e) {
                say("could not stop " + p.name() + ": " + e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void retryWithoutGrace(ManagedProcess p) {
        try {
            p.stop(Duration.ZERO);
        } catch (InterruptedException | RuntimeException e) {
            say("could not stop " + p.name() + ": " + e);
        }
    }

    private void say(String line) {
        if (log != null) {
            log.println(line);
        }
    }
}
