package io.tinykv.txn.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.txn.testing.MemoryStorage;
import io.tinykv.txn.testing.MvccFixture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The scanner and point reads against a model that computes visibility the slow, obvious way, over
 * random histories of commits, deletes, rollbacks, lock-only records and pending locks. Keys are
 * chosen around the 8-byte group boundary of the key encoding.
 */
class MvccScanModelTest {

    private static final List<byte[]> KEYS = List.of(
            new byte[] {},
            new byte[] {0},
            new byte[] {1},
            new byte[] {1, 0},
            new byte[] {1, 2, 3, 4, 5, 6, 7},
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 0},
            new byte[] {2},
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xFF, (byte) 0xFF});
    private static final long TS_STEP = 10;
    private static final int LONG_VALUE_BYTES = Lock.SHORT_VALUE_MAX_BYTES + 1;

    enum Kind {
        PUT,
        LONG_PUT,
        DELETE,
        ROLLBACK,
        LOCK_ONLY,
        PENDING_PUT,
        PENDING_LOCK
    }

    record Op(int key, Kind kind, byte value) {}

    @Provide
    Arbitrary<List<Op>> histories() {
        Arbitrary<Op> op = Combinators.combine(
                        Arbitraries.integers().between(0, KEYS.size() - 1),
                        Arbitraries.of(Kind.class),
                        Arbitraries.bytes())
                .as(Op::new);
        return op.list().ofMaxSize(30);
    }

    /** One key's versions in the model: commit ts → record, and its value. */
    private record Version(Write write, byte[] value) {}

    @Property(tries = 300)
    void scanAndPointReadsMatchTheModel(
            @ForAll("histories") List<Op> history,
            @ForAll @IntRange(min = 0, max = 320) int readTsStep,
            @ForAll @IntRange(min = 0, max = 9) int lowerIndex,
            @ForAll @IntRange(min = 0, max = 10) int upperIndex,
            @ForAll @IntRange(min = 0, max = 12) int limit,
            @ForAll boolean reverse) {
        MvccFixture f = new MvccFixture(new MemoryStorage());
        Map<Integer, TreeMap<Long, Version>> versions = new HashMap<>();
        Map<Integer, Lock> locks = new HashMap<>();
        long ts = 0;
        for (Op op : history) {
            ts += TS_STEP;
            long startTs = ts;
            long commitTs = ts + TS_STEP / 2;
            byte[] key = KEYS.get(op.key());
            byte[] shortValue = {op.value()};
            TreeMap<Long, Version> mine = versions.computeIfAbsent(op.key(), k -> new TreeMap<>());
            switch (op.kind()) {
                case PUT -> {
                    Write w = new Write(WriteKind.PUT, startTs, shortValue);
                    f.write(key, commitTs, w);
                    mine.put(commitTs, new Version(w, shortValue));
                }
                case LONG_PUT -> {
                    byte[] value = new byte[LONG_VALUE_BYTES];
                    Arrays.fill(value, op.value());
                    f.committedPut(key, startTs, commitTs, value);
                    mine.put(commitTs, new Version(new Write(WriteKind.PUT, startTs, null), value));
                }
                case DELETE -> {
                    f.committedDelete(key, startTs, commitTs);
                    mine.put(commitTs, new Version(new Write(WriteKind.DELETE, startTs, null), null));
                }
                case ROLLBACK -> {
                    f.write(key, startTs, Write.rollback(startTs));
                    mine.put(startTs, new Version(Write.rollback(startTs), null));
                }
                case LOCK_ONLY -> {
                    Write w = new Write(WriteKind.LOCK, startTs, null);
                    f.write(key, commitTs, w);
                    mine.put(commitTs, new Version(w, null));
                }
                case PENDING_PUT, PENDING_LOCK -> {
                    Lock lock = new Lock(
                            op.kind() == Kind.PENDING_PUT ? LockKind.PUT : LockKind.LOCK,
                            key,
                            startTs,
                            1,
                            0,
                            1,
                            op.kind() == Kind.PENDING_PUT ? shortValue : null);
                    f.lock(key, lock);
                    locks.put(op.key(), lock);
                }
            }
        }
        long readTs = readTsStep;
        byte[] lower = KEYS.get(lowerIndex);
        byte[] upper = upperIndex == KEYS.size() ? new byte[0] : KEYS.get(upperIndex);
        KeyRange range = new KeyRange(lower, upper);

        List<String> expected = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < KEYS.size(); i++) {
            order.add(i);
        }
        Comparator<Integer> byKey = (a, b) -> Arrays.compareUnsigned(KEYS.get(a), KEYS.get(b));
        order.sort(reverse ? byKey.reversed() : byKey);
        for (int i : order) {
            if (expected.size() >= limit || !range.contains(KEYS.get(i)) || range.isEmpty()) {
                continue;
            }
            Lock lock = locks.get(i);
            if (lock != null && lock.kind() != LockKind.LOCK && lock.startTs() <= readTs) {
                expected.add("locked " + i);
                continue;
            }
            byte[] value = modelValue(versions.get(i), readTs);
            if (value != null) {
                expected.add(i + "=" + Arrays.toString(value));
            }
        }

        try (MvccReader reader = f.reader()) {
            List<String> actual = new ArrayList<>();
            for (ScanEntry e : reader.scan(range, ReadView.at(readTs), limit, reverse, false)) {
                int index = indexOf(e.key());
                actual.add(
                        switch (e) {
                            case ScanEntry.Locked l -> "locked " + index;
                            case ScanEntry.Value v -> index + "=" + Arrays.toString(v.value());
                        });
            }
            assertThat(actual).isEqualTo(expected);
            for (int i = 0; i < KEYS.size(); i++) {
                byte[] value = modelValue(versions.get(i), readTs);
                assertThat(reader.valueAt(KEYS.get(i), readTs).orElse(null)).isEqualTo(value);
            }
        }
    }

    private static byte[] modelValue(TreeMap<Long, Version> history, long readTs) {
        if (history == null) {
            return null;
        }
        for (Version v : history.headMap(readTs, true).descendingMap().values()) {
            if (v.write().kind() == WriteKind.PUT) {
                return v.value();
            }
            if (v.write().kind() == WriteKind.DELETE) {
                return null;
            }
        }
        return null;
    }

    private static int indexOf(byte[] key) {
        for (int i = 0; i < KEYS.size(); i++) {
            if (Arrays.equals(KEYS.get(i), key)) {
                return i;
            }
        }
        throw new AssertionError("scan produced a key that was never written: " + Arrays.toString(key));
    }
}
