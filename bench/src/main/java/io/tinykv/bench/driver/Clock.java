package io.tinykv.bench.driver;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The driver's only source of time, so tests can run a whole benchmark on virtual time with no real
 * waiting. {@link #SYSTEM} is the real one.
 */
public interface Clock {

    /** A monotonic reading in nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Waits on {@code monitor}, which the caller holds, until it is notified, until
     * {@link #nanoTime()} reaches {@code deadlineNanos}, or spuriously; callers re-check their
     * condition in a loop as with {@link Object#wait()}.
     */
    void waitOn(Object monitor, long deadlineNanos) throws InterruptedException;

    /** Pauses the calling thread, e.g. between readiness probes of a starting process. */
    void sleep(Duration duration) throws InterruptedException;

    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void waitOn(Object monitor, long deadlineNanos) throws InterruptedException {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining > 0) {
                TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
            }
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration);
        }
    };
}
