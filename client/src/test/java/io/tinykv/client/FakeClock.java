package io.tinykv.client;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Virtual time: sleeping only moves the clock forward, so backoff never blocks a test. */
public final class FakeClock implements Clock {
    private final AtomicLong nowNanos = new AtomicLong();
    private final AtomicLong sleptMs = new AtomicLong();
    private final AtomicInteger sleeps = new AtomicInteger();
    private volatile Runnable afterSleep = () -> {};

    @Override
    public long nanoTime() {
        return nowNanos.get();
    }

    @Override
    public void sleep(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("negative sleep " + duration);
        }
        sleeps.incrementAndGet();
        sleptMs.addAndGet(duration.toMillis());
        nowNanos.addAndGet(duration.toNanos());
        afterSleep.run();
    }

    /** Never interrupted: tests call it directly to let time pass. */
    @Override
    public void sleepMillis(long millis) {
        sleep(Duration.ofMillis(millis));
    }

    /** Runs {@code action} after every sleep, e.g. to let the world take its next step. */
    public void afterEverySleep(Runnable action) {
        afterSleep = action;
    }

    /**
     * Runs {@code action} once, after the first sleep at whose end {@code condition} holds (e.g. once a
     * store held a request back, the world changes while the client backs off). Replaces any
     * {@link #afterEverySleep} action.
     */
    public void onceAfterSleepWhen(java.util.function.BooleanSupplier condition, Runnable action) {
        AtomicInteger runs = new AtomicInteger();
        afterSleep = () -> {
            if (runs.get() == 0 && condition.getAsBoolean() && runs.getAndIncrement() == 0) {
                action.run();
            }
        };
    }

    /** Nobody else moves this clock: a wait lasts until its deadline, reached at once. */
    @Override
    public void waitOn(Object monitor, long deadlineNanos) {
        nowNanos.accumulateAndGet(deadlineNanos, Math::max);
    }

    public long sleptMs() {
        return sleptMs.get();
    }

    public int sleeps() {
        return sleeps.get();
    }
}
