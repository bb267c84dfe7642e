package io.tinykv.txn.mvcc;

import io.tinykv.proto.MemComparableCodec;
import java.util.Arrays;
import java.util.Objects;

/**
 * A range {@code [start, end)} of raw user keys; an empty {@code end} means no upper bound. Region
 * boundaries inside the cluster are raw keys, so they are ranges of this kind too.
 */
public record KeyRange(byte[] start, byte[] end) {

    private static final byte[] EMPTY = new byte[0];
    public static final KeyRange ALL = new KeyRange(EMPTY, EMPTY);

    public KeyRange {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        start = start.clone();
        end = end.clone();
    }

    @Override
    public byte[] start() {
        return start.clone();
    }

    @Override
    public byte[] end() {
        return end.clone();
    }

    public boolean unboundedAbove() {
        return end.length == 0;
    }

    public boolean contains(byte[] key) {
        return Arrays.compareUnsigned(key, start) >= 0 && (unboundedAbove() || Arrays.compareUnsigned(key, end) < 0);
    }

    /** The keys in both ranges (possibly none: then {@link #isEmpty()}). */
    public KeyRange intersect(KeyRange other) {
        byte[] newStart = Arrays.compareUnsigned(start, other.start) >= 0 ? start : other.start;
        byte[] newEnd;
        if (unboundedAbove()) {
            newEnd = other.end;
        } else if (other.unboundedAbove()) {
            newEnd = end;
        } else {
            newEnd = Arrays.compareUnsigned(end, other.end) <= 0 ? end : other.end;
        }
        return new KeyRange(newStart, newEnd);
    }

    public boolean isEmpty() {
        return !unboundedAbove() && Arrays.compareUnsigned(start, end) >= 0;
    }

    byte[] encodedStart() {
        return MemComparableCodec.encode(start);
    }

    /** The encoded end, or {@code null} when unbounded. */
    byte[] encodedEnd() {
        return unboundedAbove() ? null : MemComparableCodec.encode(end);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyRange r && Arrays.equals(start, r.start) && Arrays.equals(end, r.end);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(start) + Arrays.hashCode(end);
    }

    @Override
    public String toString() {
        return "[" + KeyCodec.hex(start, start.length) + ", "
                + (unboundedAbove() ? "+inf" : KeyCodec.hex(end, end.length)) + ")";
    }
}
