package io.tinykv.scheduler;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which checkers an operator (or a client such as the TiKV Java client before a bulk import) has
 * paused, and until when. PD's semantics: {@code pause(name, seconds)} pauses until now plus that
 * many seconds, a later pause replaces an earlier one, {@code seconds == 0} resumes.
 *
 * <p>The names are PD's checker names, so that clients written for PD work unchanged. Only the
 * {@link #REPLICA} checker exists here; the others (placement rules, merge, ...) have no counterpart
 * in TinyKV and pausing them only records the pause, which is what a client can observe of them.
 *
 * <p>Written by the HTTP thread, read by the heartbeat thread: the map is concurrent; time comes in
 * as a parameter.
 */
public final class CheckerPauses {

    public static final String REPLICA = "replica";
    /** PD's checker names (PD {@code pkg/schedule/checker}), which the TiKV client's PDChecker uses. */
    public static final Set<String> NAMES =
            Set.of("learner", REPLICA, "rule", "split", "merge", "joint-state", "priority");
    private static final long MILLIS_PER_SECOND = 1_000;

    private final Map<String, Long> pausedUntilMillis = new ConcurrentHashMap<>();

    public static boolean isKnown(String name) {
        return NAMES.contains(name);
    }

    /**
     * Pauses {@code name} for {@code seconds} from {@code nowMillis}; zero resumes it.
     *
     * @throws IllegalArgumentException for an unknown checker or a negative delay
     */
    public void pause(String name, long seconds, long nowMillis) {
        requireKnown(name);
        if (seconds < 0) {
            throw new IllegalArgumentException("delay cannot be negative (got " + seconds + ")");
        }
        if (seconds == 0) {
            resume(name);
            return;
        }
        long until = seconds > (Long.MAX_VALUE - nowMillis) / MILLIS_PER_SECOND
                ? Long.MAX_VALUE
                : nowMillis + seconds * MILLIS_PER_SECOND;
        pausedUntilMillis.put(name, until);
    }

    /** @throws IllegalArgumentException for an unknown checker */
    public void resume(String name) {
        requireKnown(name);
        pausedUntilMillis.remove(name);
    }

    /** @throws IllegalArgumentException for an unknown checker */
    public boolean isPaused(String name, long nowMillis) {
        requireKnown(name);
        Long until = pausedUntilMillis.get(name);
        return until != null && nowMillis < until;
    }

    private static void requireKnown(String name) {
        if (!isKnown(name)) {
            throw new IllegalArgumentException("checker " + name + " not found; known checkers: "
                    + NAMES.stream().sorted().toList());
        }
    }
}
