package io.tinykv.testkit.wait;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition of a running system, failing with a description past a deadline: the one
 * wait helper of the tests (instead of a sleep for a guessed time). Between two looks at the condition
 * the waiting thread parks for {@link #POLL_INTERVAL}: a spin (or {@code Thread.yield}) would take a
 * core from the threads it waits for, which on a busy two-core machine is most of the machine.
 */
public final class Await {

    /** How often a condition is looked at again: short next to any deadline worth setting. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(10);

    private Await() {}

    /** Whether the condition becomes true within the timeout (checked at least once). */
    public static boolean holdsWithin(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            pause();
        }
        return true;
    }

    /** Waits until the condition holds; an {@link AssertionError} naming {@code what} past the timeout. */
    public static void until(BooleanSupplier condition, Duration timeout, String what) {
        until(condition, timeout, () -> what);
    }

    /** As {@link #until(BooleanSupplier, Duration, String)}, the description built only on failure (e.g. with logs). */
    public static void until(BooleanSupplier condition, Duration timeout, Supplier<String> what) {
        if (!holdsWithin(condition, timeout)) {
            throw new AssertionError("timed out after " + timeout + " waiting until " + what.get());
        }
    }

    /** Waits until {@code probe} yields a value and returns it; an {@link AssertionError} past the timeout. */
    public static <T> T value(Supplier<Optional<T>> probe, Duration timeout, String what) {
        AtomicReference<T> found = new AtomicReference<>();
        until(
                () -> {
                    Optional<T> v = probe.get();
                    v.ifPresent(found::set);
                    return v.isPresent();
                },
                timeout,
                what);
        return found.get();
    }

    private static void pause() {
        if (Thread.currentThread().isInterrupted()) {
            throw new IllegalStateException("interrupted while waiting");
        }
        LockSupport.parkNanos(POLL_INTERVAL.toNanos());
    }
}
