package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Ticks are never closer than an interval: the lease's safety argument counts on it. */
class TickTimerTest {

    private static final long INTERVAL = 100;
    private static final long START = 5_000;

    @Test
    void theFirstTickIsDueOneIntervalAfterTheStart() {
        TickTimer timer = new TickTimer(INTERVAL, START);
        assertThat(timer.nanosUntilDue(START)).isEqualTo(INTERVAL);
        assertThat(timer.fire(START + INTERVAL - 1)).isFalse();
        assertThat(timer.fire(START + INTERVAL)).isTrue();
        assertThat(timer.fire(START + INTERVAL)).as("one tick per due time").isFalse();
        assertThat(timer.nanosUntilDue(START + INTERVAL)).isEqualTo(INTERVAL);
    }

    @Test
    void ticksMissedDuringAPauseAreSkippedNotFiredInABurst() {
        TickTimer timer = new TickTimer(INTERVAL, START);
        long resumed = START + 10 * INTERVAL + 7; // ten ticks were missed
        assertThat(timer.fire(resumed)).isTrue();
        assertThat(timer.fire(resumed)).as("no catching up").isFalse();
        assertThat(timer.fire(resumed + INTERVAL - 1)).isFalse();
        assertThat(timer.fire(resumed + INTERVAL))
                .as("a whole interval after the late tick")
                .isTrue();
    }

    @Test
    void aWrappingClockKeepsTheSpacing() {
        long start = Long.MAX_VALUE - INTERVAL / 2;
        TickTimer timer = new TickTimer(INTERVAL, start);
        assertThat(timer.fire(Long.MAX_VALUE)).isFalse();
        assertThat(timer.fire(start + INTERVAL)).isTrue();
    }

    @Test
    void refusesANonPositiveInterval() {
        assertThatThrownBy(() -> new TickTimer(0, START)).hasMessageContaining("intervalNanos");
    }
}
