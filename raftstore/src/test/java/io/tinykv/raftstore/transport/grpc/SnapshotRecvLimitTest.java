package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The streams and bytes of snapshots received at once are bounded; one snapshot always gets through alone. */
class SnapshotRecvLimitTest {

    @Test
    void admitsUpToTheStreamLimitAndAnotherOnlyOnceOneEnded() throws Exception {
        SnapshotRecvLimit limit = new SnapshotRecvLimit(2, 1_000);
        SnapshotRecvLimit.Permit first = limit.acquire(10);
        SnapshotRecvLimit.Permit second = limit.acquire(10);
        assertThatThrownBy(() -> limit.acquire(10))
                .isInstanceOf(SnapshotRecvLimit.Refused.class)
                .hasMessageContaining("raftstore.concurrent-recv-snap-limit = 2");
        assertThat(limit.refused()).isEqualTo(1);

        first.close();
        first.close(); // giving a place back twice frees it once
        assertThat(limit.streams()).isEqualTo(1);
        try (SnapshotRecvLimit.Permit third = limit.acquire(10)) {
            assertThat(limit.streams()).isEqualTo(2);
            assertThat(limit.bytes()).isEqualTo(20);
        }
        second.close();
        assertThat(limit.streams()).isZero();
        assertThat(limit.bytes()).isZero();
    }

    @Test
    void admitsBytesUpToTheBudgetButASnapshotLargerThanItAlone() throws Exception {
        SnapshotRecvLimit limit = new SnapshotRecvLimit(10, 100);
        try (SnapshotRecvLimit.Permit big = limit.acquire(250)) {
            assertThat(limit.bytes())
                    .as("alone, a snapshot beyond the budget is received")
                    .isEqualTo(250);
            assertThatThrownBy(() -> limit.acquire(1))
                    .isInstanceOf(SnapshotRecvLimit.Refused.class)
                    .hasMessageContaining("raftstore.snap-max-total-size = 100");
        }
        try (SnapshotRecvLimit.Permit a = limit.acquire(60)) {
            assertThatThrownBy(() -> limit.acquire(41))
                    .isInstanceOf(SnapshotRecvLimit.Refused.class)
                    .hasMessageContaining("announced 60 bytes");
            try (SnapshotRecvLimit.Permit b = limit.acquire(40)) {
                assertThat(limit.bytes()).isEqualTo(100);
            }
        }
        assertThat(limit.refused()).isEqualTo(2);
    }

    @Test
    void refusesNonsenseSettings() {
        assertThatThrownBy(() -> new SnapshotRecvLimit(0, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotRecvLimit(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
