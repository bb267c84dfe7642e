package io.tinykv.raftstore.split;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When a leader measures its region again ({@link SplitCheckState}). */
class SplitCheckStateTest {

    private static final long TERM = 5;
    private static final long APPLIED = 20;
    private static final long VERSION = 3;

    /** A state whose last check, at (TERM, APPLIED, VERSION), found the region {@code tooBig} or not. */
    private static SplitCheckState checked(boolean tooBig) {
        SplitCheckState state = new SplitCheckState();
        assertThat(state.shouldCheck(TERM, APPLIED, VERSION))
                .as("never checked")
                .isTrue();
        state.onAsked(TERM, APPLIED, VERSION);
        state.onChecked(APPLIED, VERSION, tooBig);
        return state;
    }

    @Test
    void withinTheThresholdsAnIdleRegionIsNotMeasuredAgain() {
        SplitCheckState state = checked(false);
        assertThat(state.shouldCheck(TERM, APPLIED, VERSION)).isFalse();
        assertThat(state.shouldCheck(TERM, APPLIED + 1, VERSION))
                .as("it applied something")
                .isTrue();
        assertThat(state.shouldCheck(TERM, APPLIED, VERSION + 1))
                .as("it was split")
                .isTrue();
    }

    @Test
    void aLeaderThatTakesOverMeasuresItsRegionOnce() {
        SplitCheckState state = checked(false);
        assertThat(state.shouldCheck(TERM + 1, APPLIED, VERSION))
                .as("a new term of leadership")
                .isTrue();
        state.onAsked(TERM + 1, APPLIED, VERSION);
        state.onChecked(APPLIED, VERSION, false);
        assertThat(state.shouldCheck(TERM + 1, APPLIED, VERSION)).as("once").isFalse();
    }

    @Test
    void aRegionFoundTooBigIsMeasuredOnEveryTickUntilItsVersionMoves() {
        SplitCheckState state = checked(true);
        assertThat(state.wantsSplitAt(VERSION)).isTrue();
        for (int tick = 0; tick < 3; tick++) {
            assertThat(state.shouldCheck(TERM, APPLIED, VERSION))
                    .as("nothing applied, still wanted")
                    .isTrue();
            state.onAsked(TERM, APPLIED, VERSION);
            state.onChecked(APPLIED, VERSION, true);
        }
        // The split applied: the version moved; one check of the new range, then idle when within.
        assertThat(state.wantsSplitAt(VERSION + 1)).isFalse();
        assertThat(state.shouldCheck(TERM, APPLIED + 1, VERSION + 1)).isTrue();
        state.onAsked(TERM, APPLIED + 1, VERSION + 1);
        state.onChecked(APPLIED + 1, VERSION + 1, false);
        assertThat(state.shouldCheck(TERM, APPLIED + 1, VERSION + 1)).isFalse();
    }

    @Test
    void anOlderResultArrivingLastDoesNotOverruleANewerOne() {
        SplitCheckState state = new SplitCheckState();
        state.onAsked(TERM, APPLIED, VERSION);
        state.onAsked(TERM, APPLIED + 1, VERSION);
        state.onChecked(APPLIED + 1, VERSION, true);
        state.onChecked(APPLIED, VERSION, false); // from before the writes that made it too big
        assertThat(state.wantsSplitAt(VERSION)).isTrue();
        assertThat(state.shouldCheck(TERM, APPLIED + 1, VERSION)).isTrue();
    }

    @Test
    void anAbandonedCheckIsAskedAgain() {
        SplitCheckState state = new SplitCheckState();
        state.onAsked(TERM, APPLIED, VERSION);
        state.onAbandoned();
        assertThat(state.shouldCheck(TERM, APPLIED, VERSION)).isTrue();
    }
}
