package io.tinykv.scheduler;

import java.util.function.LongSupplier;

/**
 * The timestamp oracle: hands out strictly increasing timestamps {@code physical_ms << 18 | logical}.
 *
 * <p>As PD does, it persists a limit ahead of time: no timestamp is handed out whose physical part
 * reaches the persisted limit, and a restart begins at or above the last persisted limit. So a
 * restart, or a wall clock stepping back, never yields a timestamp smaller than one handed out
 * before, and the durable write costs one per save window, not one per timestamp. Thread-safe.
 */
public final class Tso {

    public static final int LOGICAL_BITS = 18;
    public static final long MAX_LOGICAL = (1L << LOGICAL_BITS) - 1;

    /** One timestamp; the answer for {@code count} carries the last of {@code count} consecutive ones. */
    public record Timestamp(long physicalMillis, long logical) {
        public long composed() {
            return (physicalMillis << LOGICAL_BITS) | logical;
        }
    }

    private final PersistedLong limit;
    private final LongSupplier clockMillis;
    private final long saveWindowMillis;

    private long physicalMillis;
    private long logical;
    /** Every handed-out physical part is below this persisted value. */
    private long persistedLimitMillis;

    public Tso(PersistedLong limit, LongSupplier clockMillis, long saveWindowMillis) {
        if (saveWindowMillis <= 0) {
            throw new IllegalArgumentException("saveWindowMillis must be > 0 (got " + saveWindowMillis + ")");
        }
        this.limit = limit;
        this.clockMillis = clockMillis;
        this.saveWindowMillis = saveWindowMillis;
        long lastLimit = limit.read().orElse(0);
        this.physicalMillis = Math.max(clockMillis.getAsLong(), lastLimit);
        this.logical = 0;
        persistLimit(physicalMillis + saveWindowMillis);
    }

    /**
     * Reserves {@code count} consecutive timestamps and returns the largest.
     *
     * @throws IllegalArgumentException when count is not in {@code 1..MAX_LOGICAL}
     */
    public synchronized Timestamp next(long count) {
        if (count < 1 || count > MAX_LOGICAL) {
            throw new IllegalArgumentException("tso count must be in 1.." + MAX_LOGICAL + " (got " + count + ")");
        }
        long now = clockMillis.getAsLong();
        if (now > physicalMillis) {
            physicalMillis = now;
            logical = 0;
        }
        if (logical + count > MAX_LOGICAL) {
            // The logical space of this millisecond is used up: borrow the next one.
            physicalMillis++;
            logical = 0;
        }
        if (physicalMillis >= persistedLimitMillis) {
            persistLimit(physicalMillis + saveWindowMillis);
        }
        logical += count;
        return new Timestamp(physicalMillis, logical);
    }

    /** The last timestamp handed out (logical 0 before the first), for the status page. */
    public synchronized Timestamp last() {
        return new Timestamp(physicalMillis, logical);
    }

    /** Every timestamp handed out has a physical part below this; a restart begins there. */
    public synchronized long persistedLimitMillis() {
        return persistedLimitMillis;
    }

    private void persistLimit(long newLimit) {
        limit.write(newLimit);
        persistedLimitMillis = newLimit;
    }
}
