package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.scheduler.Fixtures.MemoryLong;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TSO and the id allocator over their persisted high-water marks. */
class DurableNumbersTest {

    private static final long WINDOW_MILLIS = 3_000;
    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final long BATCH = 10;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(START_MILLIS);
    private final MemoryLong limit = new MemoryLong();

    private Tso newTso() {
        return new Tso(limit, clock::get, WINDOW_MILLIS);
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
    void aBatchReservesCountConsecutiveTimestampsAndAnswersTheLast() {
        Tso tso = newTso();
        assertThat(tso.next(1)).isEqualTo(new Tso.Timestamp(START_MILLIS, 1));
        assertThat(tso.next(10)).isEqualTo(new Tso.Timestamp(START_MILLIS, 11));
        clock.addAndGet(5);
        assertThat(tso.next(1)).isEqualTo(new Tso.Timestamp(START_MILLIS + 5, 1));
    }

    @Test
    void exhaustedLogicalSpaceBorrowsTheNextMillisecond() {
        Tso tso = newTso();
        assertThat(tso.next(Tso.MAX_LOGICAL)).isEqualTo(new Tso.Timestamp(START_MILLIS, Tso.MAX_LOGICAL));
        assertThat(tso.next(1)).isEqualTo(new Tso.Timestamp(START_MILLIS + 1, 1));
    }

    @Test
    void restartWithTheClockSteppedBackStaysAboveEverythingHandedOut() {
        Tso first = newTso();
        long last = 0;
        for (int i = 0; i < 50; i++) {
            clock.addAndGet(100);
            last = first.next(1).composed();
        }
        clock.set(START_MILLIS - 3_600_000);
        assertThat(newTso().next(1).composed()).isGreaterThan(last);
    }

    @Test
    void theLimitIsPersistedOncePerWindowAndAlwaysAhead() {
        Tso tso = newTso();
        int writesAtStart = limit.writes;
        for (int i = 0; i < 100; i++) {
            long physical = tso.next(1).physicalMillis();
            assertThat(limit.read().orElseThrow()).isGreaterThan(physical);
        }
        assertThat(limit.writes).isEqualTo(writesAtStart);
        for (int i = 0; i < 20; i++) {
            clock.addAndGet(1_000);
            long physical = tso.next(1).physicalMillis();
            assertThat(limit.read().orElseThrow()).isGreaterThan(physical);
        }
        assertThat(limit.writes).isLessThanOrEqualTo(writesAtStart + 20 * 1_000 / (int) WINDOW_MILLIS + 1);
    }

    @Test
    void badCountsAreRefused() {
        Tso tso = newTso();
        assertThatThrownBy(() -> tso.next(0)).hasMessageContaining("tso count must be in 1..262143 (got 0)");
        assertThatThrownBy(() -> tso.next(Tso.MAX_LOGICAL + 1)).hasMessageContaining("got 262144");
    }

    @Test
    void idsIncreaseAcrossBatchesAndRestartsAndTheEndIsPersistedFirst() {
        MemoryLong end = new MemoryLong();
        IdAllocator ids = new IdAllocator(end, BATCH);
        long last = 0;
        for (int i = 0; i < 25; i++) {
            long id = ids.next();
            assertThat(id).isGreaterThan(last);
            assertThat(end.read().orElseThrow()).isGreaterThanOrEqualTo(id);
            last = id;
        }
        assertThat(end.writes).isEqualTo(3);
        assertThat(new IdAllocator(end, BATCH).next()).isGreaterThan(last);
    }

    @Test
    void highWaterMarksLiveInTheMetaStoreAcrossReopen() {
        long lastId;
        long lastTs;
        try (MetaStore meta = MetaStore.open(dir)) {
            IdAllocator ids = new IdAllocator(meta.cell(MetaStore.ID_END), BATCH);
            ids.next();
            lastId = ids.next();
            lastTs = new Tso(meta.cell(MetaStore.TSO_LIMIT), clock::get, WINDOW_MILLIS)
                    .next(5)
                    .composed();
        }
        clock.addAndGet(-60_000);
        try (MetaStore meta = MetaStore.open(dir)) {
            assertThat(new IdAllocator(meta.cell(MetaStore.ID_END), BATCH).next())
                    .isGreaterThan(lastId);
            assertThat(new Tso(meta.cell(MetaStore.TSO_LIMIT), clock::get, WINDOW_MILLIS)
                            .next(1)
                            .composed())
                    .isGreaterThan(lastTs);
        }
    }
}
