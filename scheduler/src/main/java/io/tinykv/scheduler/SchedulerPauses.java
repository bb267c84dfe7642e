package io.tinykv.scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which checkers and schedulers an operator has paused, and until when — what PD's
 * {@code /pd/api/v1/checker/{name}} and {@code /pd/api/v1/schedulers/{name}} set with a delay in
 * seconds. The {@link Coordinator} skips a paused one; a pause ends by itself when its time is up.
 * Thread-safe: the HTTP API writes, the coordinator reads.
 */
public final class SchedulerPauses {

    /** The replica checker (PD's checker name). */
    public static final String REPLICA_CHECKER = "replica";

    public static final String BALANCE_LEADER = BalanceLeaderScheduler.NAME;
    public static final String BALANCE_REGION = BalanceRegionScheduler.NAME;
    /**
     * PD's checker names (PD {@code pkg/schedule/checker}), which clients such as the TiKV Java
     * client pause through {@code /pd/api/v1/checker/{name}}. Only {@link #REPLICA_CHECKER} exists
     * here; pausing the others (placement rules, merge, ...) only records the pause, which is all a
     * client can observe of them.
     */
    public static final Set<String> CHECKER_NAMES =
            Set.of("learner", REPLICA_CHECKER, "rule", "split", "merge", "joint-state", "priority");
    /** Every name that can be paused: the checkers and the schedulers the coordinator runs. */
    public static final Set<String> NAMES = Stream.concat(
                    CHECKER_NAMES.stream(), Stream.of(BALANCE_LEADER, BALANCE_REGION))
            .collect(Collectors.toUnmodifiableSet());

    private final LongSupplier clockMillis;
    private final Map<String, Long> pausedUntilMillis = new ConcurrentHashMap<>();

    /** @param clockMillis the clock pauses are measured on: the scheduler's own */
    public SchedulerPauses(LongSupplier clockMillis) {
        this.clockMillis = clockMillis;
    }

    /** The names that can be paused, sorted. */
    public Set<String> names() {
        return new TreeSet<>(NAMES);
    }

    /**
     * Pauses {@code name} for {@code duration} from now; a zero duration resumes it (as PD's delay 0).
     *
     * @throws IllegalArgumentException for an unknown name or a negative duration
     */
    public void pause(String name, Duration duration) {
        requireKnown(name);
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(
                    "pause of '" + name + "' must be zero or positive (got " + duration + ")");
        }
        if (duration.isZero()) {
            resume(name);
            return;
        }
        long now = clockMillis.getAsLong();
        long millis;
        try {
            millis = duration.toMillis();
        } catch (ArithmeticException e) {
            millis = Long.MAX_VALUE;
        }
        pausedUntilMillis.put(name, millis > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + millis);
    }

    /** Ends a pause of {@code name} at once (no effect when it is not paused). */
    public void resume(String name) {
        requireKnown(name);
        pausedUntilMillis.remove(name);
    }

    /** Whether {@code name} is paused now. */
    public boolean isPaused(String name) {
        return isPaused(name, clockMillis.getAsLong());
    }

    /** Whether {@code name} is paused at {@code nowMillis} (the coordinator's notion of now). */
    public boolean isPaused(String name, long nowMillis) {
        requireKnown(name);
        Long until = pausedUntilMillis.get(name);
        return until != null && nowMillis < until;
    }

    /** When the pause of {@code name} ends, if it is paused now. */
    public OptionalLong pausedUntilMillis(String name) {
        requireKnown(name);
        Long until = pausedUntilMillis.get(name);
        return until != null && clockMillis.getAsLong() < until ? OptionalLong.of(until) : OptionalLong.empty();
    }

    private static void requireKnown(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new IllegalArgumentException(
                    "unknown checker or scheduler '" + name + "'; known: " + new TreeSet<>(NAMES));
        }
    }
}
