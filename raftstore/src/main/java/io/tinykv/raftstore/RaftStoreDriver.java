package io.tinykv.raftstore;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link RaftStore} on a real thread: the Raft thread waits for work, ticks the peers every
 * tick interval of the given clock, and runs the batch system's rounds. The simulator does the same
 * from its event loop instead; the store's code is the same in both.
 *
 * <p>Two ticks are never less than a tick interval apart ({@link TickTimer}): a thread that fell
 * behind skips the ticks it missed, which the leader lease's safety argument needs.
 */
public final class RaftStoreDriver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftStoreDriver.class);
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final RaftStore store;
    private final long tickIntervalNanos;
    private final LongSupplier nanoClock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;

    /**
     * Starts the Raft thread.
     *
     * @param nanoClock monotonic time in nanoseconds (production: {@code System::nanoTime})
     */
    public RaftStoreDriver(RaftStore store, long tickIntervalMs, LongSupplier nanoClock, ThreadFactory threadFactory) {
        this.store = Objects.requireNonNull(store, "store");
        if (tickIntervalMs <= 0) {
            throw new IllegalArgumentException("tickIntervalMs must be positive, got " + tickIntervalMs);
        }
        this.tickIntervalNanos = tickIntervalMs * NANOS_PER_MILLI;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.thread = threadFactory.newThread(this::run);
        thread.start();
    }

    private void run() {
        TickTimer ticks = new TickTimer(tickIntervalNanos, nanoClock.getAsLong());
        try {
            while (running) {
                store.awaitWork(ticks.nanosUntilDue(nanoClock.getAsLong()), TimeUnit.NANOSECONDS);
                if (ticks.fire(nanoClock.getAsLong())) {
                    store.tick();
                }
                store.pollOnce();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // Fail-stop: a storage failure must not be retried and ignored (DESIGN.md §6).
            failure = e;
            LOG.error("store {}: the raft thread failed and stopped", store.storeId(), e);
        } finally {
            store.close();
        }
    }

    /** The error that stopped the Raft thread, or null while it runs (or stopped cleanly). */
    public Throwable failure() {
        return failure;
    }

    /** Stops the Raft thread and waits for it; waiting commands are answered RegionNotFound. */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
