package io.tinykv.nemesis;

/**
 * The longest time a workload's clients went without any successful operation: the unavailability
 * a user of the store would have seen. Measured per phase: {@link #startPhase()} starts the clock,
 * every success ends the current gap, {@link #endPhase()} closes the last one. Thread-safe.
 */
final class Availability {
    private long lastSuccessNanos;
    private long longestGapNanos;

    synchronized void startPhase() {
        lastSuccessNanos = System.nanoTime();
        longestGapNanos = 0;
    }

    synchronized void succeeded() {
        long now = System.nanoTime();
        longestGapNanos = Math.max(longestGapNanos, now - lastSuccessNanos);
        lastSuccessNanos = now;
    }

    /** The longest gap in this phase, in milliseconds, counting the one still open. */
    synchronized long endPhase() {
        succeededAtMostNow();
        return longestGapNanos / 1_000_000;
    }

    private void succeededAtMostNow() {
        longestGapNanos = Math.max(longestGapNanos, System.nanoTime() - lastSuccessNanos);
    }
}
