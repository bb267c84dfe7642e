package io.tinykv.server.txnfaults;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waits for a condition of the running cluster, failing with a description past a deadline. */
final class Deadlines {

    /** How often a condition is looked at again: short next to every deadline used here. */
    private static final long POLL_INTERVAL_NANOS = Duration.ofMillis(10).toNanos();

    private Deadlines() {}

    /** Whether the condition becomes true within the timeout. */
    static boolean holdsWithin(BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(POLL_INTERVAL_NANOS);
        }
        return true;
    }

    static void await(BooleanSupplier condition, Duration timeout, String what) {
        if (!holdsWithin(condition, timeout)) {
            throw new AssertionError("timed out after " + timeout + " waiting until " + what);
        }
    }
}
