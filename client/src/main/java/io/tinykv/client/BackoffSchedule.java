package io.tinykv.client;

/**
 * How long to wait before each retry of one kind of failure: {@code firstSleepMs} before the first,
 * twice the previous wait before each further one, never more than {@code maxSleepMs}. The one
 * schedule shape every retry loop of the client and of the store uses, whether it sleeps
 * ({@link Backoff}) or only schedules its next attempt (the store's heartbeat stream).
 */
public record BackoffSchedule(long firstSleepMs, long maxSleepMs) {
    /** Doubling stops here anyway; keeps the shift from overflowing. */
    private static final int MAX_DOUBLINGS = 20;

    public BackoffSchedule {
        if (firstSleepMs <= 0) {
            throw new IllegalArgumentException("firstSleepMs must be > 0, got " + firstSleepMs);
        }
        if (maxSleepMs < firstSleepMs) {
            throw new IllegalArgumentException(
                    "maxSleepMs (" + maxSleepMs + ") must be >= firstSleepMs (" + firstSleepMs + ")");
        }
    }

    /** The wait before the {@code attempt}-th retry (1-based). */
    public long sleepMs(int attempt) {
        int doublings = Math.min(Math.max(attempt - 1, 0), MAX_DOUBLINGS);
        return Math.min(maxSleepMs, firstSleepMs << doublings);
    }
}
