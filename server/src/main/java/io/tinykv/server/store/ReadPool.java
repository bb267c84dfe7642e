package io.tinykv.server.store;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The store's read pool: where client reads touch the kv engine once Raft has handed over a
 * snapshot. The gRPC handler does not wait for that snapshot and the Raft thread that produces it
 * must not read for it, so the read continues here. Bounded both ways: as many threads as cores
 * (a read of cached data is CPU work; more threads only queue for the same cores) and a bounded
 * queue, beyond which a read is refused with {@code server_is_busy} rather than piling up.
 */
final class ReadPool {

    /** Enough for every client of a busy store to have a few reads queued; beyond it, back-pressure. */
    static final int QUEUE_CAPACITY = 4_096;
    /** The pool never shrinks below this, so a 1-core machine still overlaps two reads. */
    static final int MIN_THREADS = 2;

    private ReadPool() {}

    static ExecutorService create(int cores, ThreadFactory threads) {
        int size = Math.max(MIN_THREADS, cores);
        // AbortPolicy: a full queue throws RejectedExecutionException, which the service answers.
        return new ThreadPoolExecutor(
                size,
                size,
                0,
                TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_CAPACITY),
                threads,
                new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Lets queued reads finish (each closes its snapshot, which storage's close waits for), then
     * interrupts what is left after {@code waitMillis}.
     */
    static void stop(ExecutorService pool, long waitMillis) throws InterruptedException {
        pool.shutdown();
        if (!pool.awaitTermination(waitMillis, TimeUnit.MILLISECONDS)) {
            pool.shutdownNow();
        }
    }
}
