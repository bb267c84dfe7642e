package io.tinykv.server.gc;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link StoreGcWorker} round every interval on a daemon thread of its own. A failed round
 * (the scheduler unreachable, the store stopping) is logged and the next one tries again: GC is
 * never on a durability path, and a round that fails removes nothing it should not.
 */
public final class StoreGcRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreGcRunner.class);
    private static final long STOP_WAIT_MILLIS = 10_000;

    private final ScheduledExecutorService thread;

    private StoreGcRunner(ScheduledExecutorService thread) {
        this.thread = thread;
    }

    public static StoreGcRunner start(StoreGcWorker worker, long intervalMillis, String threadName) {
        ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name(threadName).factory());
        thread.scheduleWithFixedDelay(
                () -> {
                    try {
                        worker.runOnce();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (RuntimeException e) {
                        LOG.warn("GC round failed; the next one tries again: {}", e.toString());
                    }
                },
                intervalMillis,
                intervalMillis,
                TimeUnit.MILLISECONDS);
        return new StoreGcRunner(thread);
    }

    @Override
    public void close() throws InterruptedException {
        thread.shutdownNow();
        if (!thread.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
            LOG.warn("the GC thread is still busy after {} ms", STOP_WAIT_MILLIS);
        }
    }
}
