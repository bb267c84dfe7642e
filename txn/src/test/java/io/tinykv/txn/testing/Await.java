package io.tinykv.txn.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, without sleeping for a guessed time. */
public final class Await {

    /** Generous: only a broken implementation comes near it. */
    public static final Duration DEADLINE = Duration.ofSeconds(20);

    private Await() {}

    public static void until(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.yield();
        }
    }
}
