package io.tinykv.nemesis;

import java.time.Duration;

/**
 * How long and how hard the nemesis runs, from system properties (Maven passes {@code -D...} through):
 * <ul>
 *   <li>{@code nemesis.minutes} (default 0): 0 is the short CI run, every fault injected once in its
 *       own phase and {@value #MIX_INJECTIONS_SHORT} random faults in the mix; a soak
 *       ({@code -Dnemesis.minutes=10}) spreads that many minutes evenly over the phases and repeats
 *       each phase's fault until its share is used up.</li>
 *   <li>{@code nemesis.holdMillis} (default {@value #DEFAULT_HOLD_MILLIS}): how long a fault lasts;
 *       longer than the largest randomized election timeout (2 s at the default 100 ms tick).</li>
 *   <li>{@code nemesis.seed}: the fault targets' and the clients' randomness.</li>
 *   <li>{@code nemesis.diskFull} (default true): the disk-full fault, which mounts a tmpfs and so needs root.</li>
 *   <li>{@code nemesis.faults} (default all): a comma-separated subset, e.g. {@code pause,isolate-leader},
 *       to aim a soak at a few faults.</li>
 *   <li>{@code nemesis.keepLogs} (default false): keep a passed run's data and logs under {@code target/nemesis/}.</li>
 * </ul>
 */
record NemesisSettings(
        double minutes, Duration hold, long seed, boolean diskFull, boolean keepLogs, java.util.Set<String> faults) {
    static final int MIX_INJECTIONS_SHORT = 4;
    static final long DEFAULT_HOLD_MILLIS = 2_500;
    static final long DEFAULT_SEED = 20_261_206L;
    /** The raftstore's default election timeout is 10 ticks of 100 ms, randomized up to twice that. */
    static final Duration MAX_ELECTION_TIMEOUT = Duration.ofMillis(2_000);

    NemesisSettings {
        if (minutes < 0) {
            throw new IllegalArgumentException("nemesis.minutes must be >= 0, got " + minutes);
        }
        if (hold.compareTo(MAX_ELECTION_TIMEOUT) <= 0) {
            throw new IllegalArgumentException("nemesis.holdMillis must exceed the election timeout ("
                    + MAX_ELECTION_TIMEOUT.toMillis() + " ms), got " + hold.toMillis());
        }
    }

    static NemesisSettings fromSystemProperties() {
        String minutes = System.getProperty("nemesis.minutes", "0");
        String hold = System.getProperty("nemesis.holdMillis", Long.toString(DEFAULT_HOLD_MILLIS));
        String seed = System.getProperty("nemesis.seed", Long.toString(DEFAULT_SEED));
        try {
            return new NemesisSettings(
                    Double.parseDouble(minutes.isBlank() ? "0" : minutes),
                    Duration.ofMillis(Long.parseLong(hold)),
                    Long.parseLong(seed),
                    Boolean.parseBoolean(System.getProperty("nemesis.diskFull", "true")),
                    Boolean.parseBoolean(System.getProperty("nemesis.keepLogs", "false")),
                    java.util.Set.of(System.getProperty("nemesis.faults", "").split("\\s*,\\s*")).stream()
                            .filter(f -> !f.isBlank())
                            .collect(java.util.stream.Collectors.toUnmodifiableSet()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "nemesis.minutes, nemesis.holdMillis and nemesis.seed must be numbers: " + e.getMessage(), e);
        }
    }

    /** The faults to run, of {@code all}: every one unless {@code nemesis.faults} names some. */
    java.util.List<Fault> select(java.util.List<Fault> all) {
        java.util.Set<String> known = all.stream().map(Fault::name).collect(java.util.stream.Collectors.toSet());
        for (String f : faults) {
            if (!known.contains(f)) {
                throw new IllegalArgumentException("nemesis.faults: unknown fault '" + f + "'; known: " + known);
            }
        }
        return faults.isEmpty()
                ? all
                : all.stream().filter(f -> faults.contains(Fault.name(f))).toList();
    }

    /** Each phase's share of a soak; zero for the short run (one injection per phase). */
    Duration phaseLength(int phases) {
        return Duration.ofMillis((long) (minutes * 60_000 / phases));
    }

    boolean soak() {
        return minutes > 0;
    }
}
