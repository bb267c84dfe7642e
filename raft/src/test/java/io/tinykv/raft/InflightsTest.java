package io.tinykv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The ring buffer bounding appends in flight to one follower. */
class InflightsTest {

    /** Adding up to capacity fills the window, also when the ring wraps around. */
    @Test
    void addUntilFullWithWraparound() {
        Inflights in = new Inflights(10);
        for (int i = 0; i < 5; i++) {
            in.add(i);
        }
        assertThat(in.count()).isEqualTo(5);
        assertThat(in.full()).isFalse();
        in.freeLE(2); // frees 0, 1, 2
        assertThat(in.count()).isEqualTo(2);
        for (int i = 5; i < 13; i++) {
            in.add(i); // wraps around the end of the buffer
        }
        assertThat(in.full()).isTrue();
        assertThatThrownBy(() -> in.add(13)).isInstanceOf(IllegalStateException.class);
    }

    /** freeLE frees every message up to the index, ignores indexes below the oldest. */
    @Test
    void freeLE() {
        Inflights in = new Inflights(10);
        for (int i = 0; i < 10; i++) {
            in.add(i);
        }
        in.freeLE(-1);
        assertThat(in.count()).isEqualTo(10);
        in.freeLE(4);
        assertThat(in.count()).isEqualTo(5);
        in.freeLE(8);
        assertThat(in.count()).isEqualTo(1);
        for (int i = 10; i < 15; i++) {
            in.add(i);
        }
        in.freeLE(12);
        assertThat(in.count()).isEqualTo(2);
        in.freeLE(14);
        assertThat(in.count()).isZero();
        in.freeLE(100); // nothing to free
        assertThat(in.count()).isZero();
    }

    /** freeFirstOne frees exactly the oldest message. */
    @Test
    void freeFirstOne() {
        Inflights in = new Inflights(10);
        for (int i = 0; i < 10; i++) {
            in.add(i);
        }
        in.freeFirstOne();
        assertThat(in.count()).isEqualTo(9);
        assertThat(in.full()).isFalse();
        in.add(10);
        assertThat(in.full()).isTrue();
    }

    /** Indexes must increase: an out-of-order add is a bug, refused. */
    @Test
    void nonIncreasingAddRefused() {
        Inflights in = new Inflights(3);
        in.add(5);
        assertThatThrownBy(() -> in.add(5)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Inflights(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** reset empties the window. */
    @Test
    void reset() {
        Inflights in = new Inflights(2);
        in.add(1);
        in.add(2);
        in.reset();
        assertThat(in.count()).isZero();
        in.add(1);
        assertThat(in.count()).isEqualTo(1);
    }
}
