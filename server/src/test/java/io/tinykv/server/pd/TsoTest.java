package io.tinykv.server.pd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.scheduler.Tso;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TsoTest {

    private static final long WINDOW_MILLIS = 3_000;
    private static final long START_MILLIS = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(START_MILLIS);

    private Tso newTso() {
        return new Tso(new DurableLong(dir.resolve("tso")), clock::get, WINDOW_MILLIS);
    }

    @Test
    void timestampsAreStrictlyIncreasingWhileTheClockStandsStillOrMoves() {
        Tso tso = newTso();
        long last = 0;
        for (int i = 0; i < 1_000; i++) {
            if (i % 100 == 0) {
                clock.addAndGet(7);
            }
            long ts = tso.next(1 + i % 5).composed();
            assertThat(ts).isGreaterThan(last);
            last = ts;
        }
    }

    @Test
    void physicalPartFollowsTheClockAndLogicalCountsWithinAMillisecond() {
        Tso tso = newTso();
        Tso.Timestamp a = tso.next(1);
        Tso.Timestamp b = tso.next(10);
        assertThat(a).isEqualTo(new Tso.Timestamp(START_MILLIS, 1));
        assertThat(b).isEqualTo(new Tso.Timestamp(START_MILLIS, 11));
        clock.addAndGet(5);
        assertThat(tso.next(1)).isEqualTo(new Tso.Timestamp(START_MILLIS + 5, 1));
    }

    @Test
    void exhaustedLogicalSpaceBorrowsTheNextMillisecond() {
        Tso tso = newTso();
        Tso.Timestamp full = tso.next(Tso.MAX_LOGICAL);
        assertThat(full).isEqualTo(new Tso.Timestamp(START_MILLIS, Tso.MAX_LOGICAL));
        Tso.Timestamp next = tso.next(1);
        assertThat(next).isEqualTo(new Tso.Timestamp(START_MILLIS + 1, 1));
    }

    @Test
    void aClockSteppingBackNeverYieldsASmallerTimestamp() {
        Tso tso = newTso();
        long before = tso.next(1).composed();
        clock.addAndGet(-60_000);
        long after = tso.next(1).composed();
        assertThat(after).isGreaterThan(before);
    }

    @Test
    void restartWithTheClockSteppedBackStaysAboveEverythingHandedOut() {
        Tso first = newTso();
        long last = 0;
        for (int i = 0; i < 50; i++) {
            clock.addAndGet(100); // crosses the 3 s window, so the limit is re-persisted on the way
            last = first.next(1).composed();
        }
        clock.set(START_MILLIS - 3_600_000); // restart one hour "earlier"
        Tso restarted = newTso();
        assertThat(restarted.next(1).composed()).isGreaterThan(last);
    }

    @Test
    void restartAtTheSameMillisecondStillMovesForward() {
        long last = newTso().next(Tso.MAX_LOGICAL).composed();
        assertThat(newTso().next(1).composed()).isGreaterThan(last);
    }

    @Test
    void theLimitOnDiskIsAlwaysAheadOfHandedOutTimestamps() {
        DurableLong file = new DurableLong(dir.resolve("tso"));
        Tso tso = new Tso(file, clock::get, WINDOW_MILLIS);
        for (int i = 0; i < 20; i++) {
            clock.addAndGet(1_000);
            Tso.Timestamp ts = tso.next(1);
            assertThat(file.read().orElseThrow()).isGreaterThan(ts.physicalMillis());
        }
    }

    @Test
    void badCountsAreRefused() {
        Tso tso = newTso();
        assertThatThrownBy(() -> tso.next(0)).hasMessageContaining("tso count must be in 1..262143 (got 0)");
        assertThatThrownBy(() -> tso.next(Tso.MAX_LOGICAL + 1)).hasMessageContaining("got 262144");
    }

    @Test
    void aCorruptLimitFileRefusesToStart() throws Exception {
        newTso();
        byte[] bytes = Files.readAllBytes(dir.resolve("tso"));
        bytes[0] ^= 1;
        Files.write(dir.resolve("tso"), bytes);
        assertThatThrownBy(this::newTso).hasMessageContaining("checksum mismatch");
        Files.write(dir.resolve("tso"), new byte[] {1, 2, 3});
        assertThatThrownBy(this::newTso).hasMessageContaining("expected 12 bytes, found 3");
    }
}
