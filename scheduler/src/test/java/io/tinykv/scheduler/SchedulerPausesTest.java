package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Pausing checkers and schedulers by name, on an injected clock. */
class SchedulerPausesTest {

    private long now = 1_000_000;
    private final SchedulerPauses pauses = new SchedulerPauses(() -> now);

    @Test
    void aPauseEndsByItselfWhenItsTimeIsUp() {
        pauses.pause("balance-leader-scheduler", Duration.ofSeconds(10));
        assertThat(pauses.isPaused("balance-leader-scheduler")).isTrue();
        assertThat(pauses.pausedUntilMillis("balance-leader-scheduler")).isEqualTo(OptionalLong.of(1_010_000));
        assertThat(pauses.isPaused("balance-region-scheduler")).isFalse();
        assertThat(pauses.isPaused("replica")).isFalse();
        now += 9_999;
        assertThat(pauses.isPaused("balance-leader-scheduler")).isTrue();
        now += 1;
        assertThat(pauses.isPaused("balance-leader-scheduler")).isFalse();
        assertThat(pauses.pausedUntilMillis("balance-leader-scheduler")).isEmpty();
    }

    @Test
    void resumeOrAZeroDelayEndsAPauseAtOnce() {
        pauses.pause("replica", Duration.ofHours(1));
        pauses.resume("replica");
        assertThat(pauses.isPaused("replica")).isFalse();
        pauses.pause("replica", Duration.ofHours(1));
        pauses.pause("replica", Duration.ZERO);
        assertThat(pauses.isPaused("replica")).isFalse();
        // A later pause replaces an earlier one, shorter or longer.
        pauses.pause("replica", Duration.ofHours(1));
        pauses.pause("replica", Duration.ofSeconds(1));
        assertThat(pauses.pausedUntilMillis("replica")).isEqualTo(OptionalLong.of(1_001_000));
        // An absurdly long pause saturates instead of overflowing into the past.
        pauses.pause("replica", Duration.ofSeconds(Long.MAX_VALUE / 1_000));
        assertThat(pauses.isPaused("replica", Long.MAX_VALUE - 1)).isTrue();
    }

    @Test
    void unknownNamesAndNegativeDelaysAreRefusedWithTheKnownNames() {
        assertThat(pauses.names())
                .containsExactly(
                        "balance-leader-scheduler",
                        "balance-region-scheduler",
                        "joint-state",
                        "learner",
                        "merge",
                        "priority",
                        "replica",
                        "rule",
                        "split");
        assertThatThrownBy(() -> pauses.pause("hot-region-scheduler", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown checker or scheduler 'hot-region-scheduler'")
                .hasMessageContaining("replica");
        assertThatThrownBy(() -> pauses.isPaused(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pauses.pause("replica", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("zero or positive");
    }
}
