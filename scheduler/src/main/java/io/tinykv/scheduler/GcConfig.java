package io.tinykv.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * How the scheduler moves the MVCC GC safe point (TiKV's {@code gc-life-time}). Validated on
 * construction: a bad value fails with a message naming the setting.
 *
 * @param lifeTime how long a version stays readable after it was overwritten: the scheduler keeps
 *     the safe point at or below {@code now - lifeTime} (TSO time), and lower while a service safe
 *     point or a store's oldest lock holds it back
 * @param advanceInterval how often the scheduler moves the safe point forward
 */
public record GcConfig(Duration lifeTime, Duration advanceInterval) {

    public static final Duration DEFAULT_LIFE_TIME = Duration.ofMinutes(10);
    public static final Duration DEFAULT_ADVANCE_INTERVAL = Duration.ofSeconds(10);

    public GcConfig {
        requirePositive("gc-life-time", lifeTime);
        requirePositive("gc-advance-interval", advanceInterval);
        if (lifeTime.toMillis() >= (1L << (Long.SIZE - 1 - Tso.LOGICAL_BITS))) {
            throw new IllegalArgumentException("gc-life-time " + lifeTime + " is longer than TSO time itself");
        }
    }

    public static GcConfig defaults() {
        return new GcConfig(DEFAULT_LIFE_TIME, DEFAULT_ADVANCE_INTERVAL);
    }

    private static void requirePositive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration (got " + value + ")");
        }
    }
}
