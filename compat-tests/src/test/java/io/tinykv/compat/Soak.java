package io.tinykv.compat;

import java.time.Duration;

/**
 * How long the snapshot workloads run: a short default for CI; {@code -Dtinykv.soak.seconds=N}
 * (or the {@code soak} profile, which multiplies the default by ten) for longer runs.
 */
final class Soak {

    static final String SECONDS_PROPERTY = "tinykv.soak.seconds";
    static final String FACTOR_PROPERTY = "tinykv.soak.factor";
    static final String SEED_PROPERTY = "tinykv.soak.seed";

    private Soak() {}

    /** The run's length: the property if set, else {@code defaultSeconds} times the soak factor. */
    static Duration duration(long defaultSeconds) {
        String seconds = System.getProperty(SECONDS_PROPERTY);
        if (seconds != null && !seconds.isBlank()) {
            return Duration.ofSeconds(parsePositive(SECONDS_PROPERTY, seconds));
        }
        String factor = System.getProperty(FACTOR_PROPERTY);
        long f = factor == null || factor.isBlank() ? 1 : parsePositive(FACTOR_PROPERTY, factor);
        return Duration.ofSeconds(defaultSeconds * f);
    }

    static long seed() {
        String seed = System.getProperty(SEED_PROPERTY);
        return seed == null || seed.isBlank() ? System.nanoTime() : Long.parseLong(seed.trim());
    }

    private static long parsePositive(String name, String value) {
        try {
            long v = Long.parseLong(value.trim());
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be positive, got " + value);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'", e);
        }
    }
}
