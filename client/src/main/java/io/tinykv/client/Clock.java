package io.tinykv.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The one source of time and way of waiting for the client library, {@code tinykv ctl}, the
 * playground's readiness wait and the bench driver. Retries back off through {@link #sleep}, and the
 * bench driver's coordinator waits through {@link #waitOn}, so a test can hand in a virtual clock
 * whose waits only move {@link #nanoTime} forward and never block.
 */
public interface Clock {

    /** A monotonic reading in nanoseconds, as {@link System#nanoTime()}; only differences are meaningful. */
    long nanoTime();

    /** Waits {@code duration} (or advances virtual time by as much). */
    void sleep(Duration duration) throws InterruptedException;

    /**
     * Waits on {@code monitor}, which the caller holds, until it is notified, until {@link #nanoTime()}
     * reaches {@code deadlineNanos}, or spuriously; callers re-check their condition in a loop as with
     * {@link Object#wait()}.
     */
    void waitOn(Object monitor, long deadlineNanos) throws InterruptedException;

    /** {@link #nanoTime()} in milliseconds. */
    default long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(nanoTime());
    }

    /** {@link #sleep} for {@code millis} milliseconds. */
    default void sleepMillis(long millis) throws InterruptedException {
        sleep(Duration.ofMillis(millis));
    }

    /** The real clock: {@link System#nanoTime()}, {@link Thread#sleep} and {@link Object#wait}. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }

    /** The real clock as a singleton, so {@link #system()} hands out one instance. */
    enum SystemClock implements Clock {
        INSTANCE;

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(Duration duration) throws InterruptedException {
            Thread.sleep(duration);
        }

        @Override
        public void waitOn(Object monitor, long deadlineNanos) throws InterruptedException {
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining > 0) {
                TimeUnit.NANOSECONDS.timedWait(monitor, remaining);
            }
        }
    }
}
