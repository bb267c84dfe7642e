package io.tinykv.server.gc;

import io.tinykv.txn.gc.RegionGc;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Holds GC's removals to {@code maxRecordsPerSecond}: after each write it waits until the records
 * removed so far would have been allowed. Used by one worker thread.
 */
final class RecordRateLimiter implements RegionGc.Throttle {

    /** Sleeps; a parameter so tests never wait. */
    @FunctionalInterface
    interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final long maxRecordsPerSecond;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final long startNanos;
    private long removed;

    RecordRateLimiter(long maxRecordsPerSecond, LongSupplier nanoClock, Sleeper sleeper) {
        this.maxRecordsPerSecond = maxRecordsPerSecond;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.startNanos = nanoClock.getAsLong();
    }

    @Override
    public void pace(int removedRecords) throws InterruptedException {
        if (maxRecordsPerSecond == 0) {
            return;
        }
        removed += removedRecords;
        long dueNanos = startNanos + removed * TimeUnit.SECONDS.toNanos(1) / maxRecordsPerSecond;
        long waitNanos = dueNanos - nanoClock.getAsLong();
        if (waitNanos > 0) {
            sleeper.sleepNanos(waitNanos);
        }
    }
}
