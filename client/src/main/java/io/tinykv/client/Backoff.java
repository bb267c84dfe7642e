package io.tinykv.client;

import java.util.HashMap;
import java.util.Map;

/**
 * The retry budget of one client operation. Every retry either goes at once (a few times, when the
 * error told us exactly where to go next, e.g. a leader hint) or sleeps first, with the growing waits
 * of a {@link BackoffSchedule} (counted per schedule). Once the time spent since the operation started
 * reaches the budget, no more retries are granted and the caller gives up with the last reason.
 *
 * <p>Owned by the one thread running the operation; not thread-safe.
 */
public final class Backoff {
    /**
     * Retries without sleeping that one operation may take. Bounded so that two stores pointing at each
     * other as leader cannot make the client spin; beyond this, even hinted retries sleep.
     */
    static final int MAX_IMMEDIATE_RETRIES = 3;

    private final Clock clock;
    private final long budgetMs;
    private final long startMs;
    private final Map<BackoffSchedule, Integer> attempts = new HashMap<>();
    private int immediateRetries;
    private int retries;
    private String lastReason = "";
    private boolean interrupted;

    public Backoff(Clock clock, long budgetMs) {
        if (budgetMs < 0) {
            throw new IllegalArgumentException("budgetMs must be >= 0, got " + budgetMs);
        }
        this.clock = clock;
        this.budgetMs = budgetMs;
        this.startMs = clock.nowMillis();
    }

    /**
     * Grants a retry without sleeping, unless this operation already had {@link #MAX_IMMEDIATE_RETRIES}
     * of them; then it falls back to a {@code fallback} backoff.
     *
     * @return whether the caller may retry
     */
    public boolean retryNow(BackoffKind fallback, String reason) {
        if (immediateRetries < MAX_IMMEDIATE_RETRIES && spentMs() < budgetMs) {
            immediateRetries++;
            retries++;
            lastReason = reason;
            return true;
        }
        return sleepThenRetry(fallback, reason, 0);
    }

    /**
     * Sleeps the next wait of {@code kind} (at least {@code minSleepMs}, at most what is left of the
     * budget).
     *
     * @return whether the caller may retry; false once the budget is spent or the thread was interrupted
     */
    public boolean sleepThenRetry(BackoffKind kind, String reason, long minSleepMs) {
        return sleepThenRetry(kind.schedule, reason, minSleepMs);
    }

    /** {@link #sleepThenRetry(BackoffKind, String, long)} with the waits of {@code schedule}. */
    public boolean sleepThenRetry(BackoffSchedule schedule, String reason, long minSleepMs) {
        lastReason = reason;
        long remainingMs = budgetMs - spentMs();
        if (remainingMs <= 0) {
            return false;
        }
        int attempt = attempts.merge(schedule, 1, Integer::sum);
        long sleepMs = Math.min(Math.max(schedule.sleepMs(attempt), minSleepMs), remainingMs);
        try {
            clock.sleepMillis(sleepMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted = true;
            return false;
        }
        retries++;
        return true;
    }

    /** How long this operation may spend backing off. */
    public long budgetMs() {
        return budgetMs;
    }

    /** How many retries this operation was granted so far. */
    public int retries() {
        return retries;
    }

    /** A sentence for the exception thrown when {@link #sleepThenRetry} said no. */
    public String givingUpMessage() {
        String why = interrupted
                ? "interrupted while backing off"
                : "gave up after " + retries + " retries in " + spentMs() + " ms (backoff budget " + budgetMs + " ms)";
        return why + "; last error: " + lastReason;
    }

    private long spentMs() {
        return clock.nowMillis() - startMs;
    }
}
