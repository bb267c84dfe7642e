package io.tinykv.client;

import io.tinykv.client.region.OnDeadline;

/**
 * Why an operation waits before retrying, and how long (a {@link BackoffSchedule} each). The values follow what TiKV's clients
 * use: region misses resolve within milliseconds (a new leader, a refreshed route), busy or unreachable
 * stores need longer.
 */
public enum BackoffKind {
    /** The region moved, split or has no known leader: refresh the route and try again soon. */
    REGION_MISS(2, 500),
    /** The store asked us to slow down (server_is_busy) or dropped a command (stale_command). */
    SERVER_BUSY(40, 5_000),
    /**
     * The store did not answer at the transport level (UNAVAILABLE), or not within the deadline
     * (DEADLINE_EXCEEDED, retried for reads and idempotent transaction requests only, see {@link OnDeadline}).
     */
    STORE_UNREACHABLE(100, 3_000),
    /** PD did not answer or its leader moved. */
    PD_UNREACHABLE(50, 1_000),
    /**
     * Another transaction's lock is still alive: wait for it to commit, roll back or expire. Shorter
     * than TiKV's clients' first wait (100 ms): the transactions this client writes commit within a
     * few round trips, so a reader usually finds the lock gone after a short wait.
     */
    TXN_LOCK_ALIVE(10, 1_000);

    public final BackoffSchedule schedule;

    BackoffKind(long firstSleepMs, long maxSleepMs) {
        this.schedule = new BackoffSchedule(firstSleepMs, maxSleepMs);
    }
}
