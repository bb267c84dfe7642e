package io.tinykv.server.store;

import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says, every {@code repeatNanos} while it lasts, that the store cannot reach the scheduler — with
 * the address it tries and for how long — and once when it can again. A store that silently cannot
 * report is a store whose regions the scheduler will give up on. Thread-safe: heartbeats fail on gRPC
 * threads.
 */
final class SchedulerReachLog {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerReachLog.class);
    private static final long NANOS_PER_MILLI = 1_000_000;
    /** Every few seconds: often enough to be noticed, rarely enough to read the rest of the log. */
    static final long DEFAULT_REPEAT_NANOS = 5_000 * NANOS_PER_MILLI;

    private final LongSupplier nanoClock;
    private final long repeatNanos;
    private long failingSinceNanos = -1;
    private long lastWarnedNanos;

    SchedulerReachLog(LongSupplier nanoClock, long repeatNanos) {
        this.nanoClock = nanoClock;
        this.repeatNanos = repeatNanos;
    }

    /** A call to the scheduler at {@code endpoint} failed with {@code cause}; returns whether it warned. */
    synchronized boolean failed(String endpoint, String what, Throwable cause) {
        long now = nanoClock.getAsLong();
        if (failingSinceNanos < 0) {
            failingSinceNanos = now;
        } else if (now - lastWarnedNanos < repeatNanos) {
            return false;
        }
        lastWarnedNanos = now;
        LOG.warn(
                "cannot reach the scheduler at {} ({} failing for {} ms): {}; is it running, and is --pd right?",
                endpoint,
                what,
                (now - failingSinceNanos) / NANOS_PER_MILLI,
                cause.toString());
        return true;
    }

    /** A call succeeded. */
    synchronized void reached(String endpoint) {
        if (failingSinceNanos >= 0) {
            LOG.info(
                    "reached the scheduler at {} again after {} ms",
                    endpoint,
                    (nanoClock.getAsLong() - failingSinceNanos) / NANOS_PER_MILLI);
            failingSinceNanos = -1;
        }
    }
}
