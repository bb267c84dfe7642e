package io.tinykv.raftstore;

import io.tinykv.storage.Engines;
import io.tinykv.storage.ProcessHalter;
import java.nio.channels.ClosedByInterruptException;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's workers (log deletion, snapshot generation, size scans, statistics) with fail-stop
 * around every task: a task that throws halts the process ({@link ProcessHalter}). An executor
 * would otherwise swallow the exception (or kill just its thread), and the next task, a log
 * deletion say, would run as if the failed one had made its data durable (DESIGN.md §6).
 *
 * <p>Once a task failed, later tasks do not run: in production the process is gone already; with
 * a test's recording halter, nothing after the failure may be trusted either.
 *
 * <p>A task that fails because the store is shutting down (its engines closed, its thread
 * interrupted) halts nothing: it made no promise, and the store is going away anyway.
 */
final class FailStopExecutor implements Executor {

    private static final Logger LOG = LoggerFactory.getLogger(FailStopExecutor.class);

    private final Executor inner;
    private final Engines engines;
    private final ProcessHalter halter;
    private volatile boolean halted;

    FailStopExecutor(Executor inner, Engines engines, ProcessHalter halter) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.engines = Objects.requireNonNull(engines, "engines");
        this.halter = Objects.requireNonNull(halter, "halter");
    }

    @Override
    public void execute(Runnable task) {
        String what = task instanceof WorkerTask named ? named.what() : "a store worker task";
        inner.execute(() -> {
            if (halted) {
                LOG.error("{} not run: an earlier worker task failed and halted the store", what);
                return;
            }
            try {
                task.run();
            } catch (ProcessHalter.HaltedException alreadyHalted) {
                // The task named its failure to the halter itself.
                halted = true;
            } catch (Throwable t) {
                if (shuttingDown(t)) {
                    LOG.info("{} abandoned: the store is shutting down ({})", what, t.toString());
                    return;
                }
                halted = true;
                halter.halt(what, t);
            }
        });
    }

    private boolean shuttingDown(Throwable t) {
        if (!engines.kv().isOpen()
                || !engines.raft().isOpen()
                || Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof InterruptedException || c instanceof ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }
}
