package io.tinykv.txn.mvcc;

/**
 * Facts about TSO timestamps: a physical part in milliseconds shifted left by
 * {@value #LOGICAL_BITS} bits, plus a logical counter. Timestamps are unsigned 64-bit numbers on
 * the wire; {@link #MAX} (all ones) is what clients send to mean "the latest committed data".
 */
public final class Timestamps {

    /** Bits of the logical counter below the physical milliseconds. */
    public static final int LOGICAL_BITS = 18;
    /** u64::MAX, compared unsigned. */
    public static final long MAX = -1L;

    private Timestamps() {}

    /** The physical part of {@code ts}, in milliseconds since the epoch. */
    public static long physicalMillis(long ts) {
        return ts >>> LOGICAL_BITS;
    }

    /** The timestamp with {@code physicalMillis} and a logical part of {@code logical}. */
    public static long compose(long physicalMillis, long logical) {
        return (physicalMillis << LOGICAL_BITS) | logical;
    }

    /** Unsigned comparison: timestamps above 2^63 (like {@link #MAX}) are the largest. */
    public static int compare(long a, long b) {
        return Long.compareUnsigned(a, b);
    }

    /** {@code a > b}, unsigned. */
    public static boolean after(long a, long b) {
        return Long.compareUnsigned(a, b) > 0;
    }

    /** {@code a < b}, unsigned. */
    public static boolean before(long a, long b) {
        return Long.compareUnsigned(a, b) < 0;
    }

    /**
     * Whether a lock taken at {@code lockTs} for {@code ttlMillis} has expired at {@code currentTs}.
     * TiKV's rule: only the physical parts count, and a lock is still alive at exactly its deadline.
     */
    public static boolean lockExpired(long lockTs, long ttlMillis, long currentTs) {
        long lockMillis = physicalMillis(lockTs);
        long deadlineMillis = lockMillis + ttlMillis;
        if (Long.compareUnsigned(deadlineMillis, lockMillis) < 0) {
            // The TTL (an unsigned wire value) runs past the end of time: the lock never expires.
            return false;
        }
        return Long.compareUnsigned(deadlineMillis, physicalMillis(currentTs)) < 0;
    }

    public static String format(long ts) {
        return Long.toUnsignedString(ts);
    }
}
