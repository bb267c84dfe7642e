package io.tinykv.txn.gc;

import io.tinykv.txn.command.KeyErrorException;
import io.tinykv.txn.command.KeyErrors;
import io.tinykv.txn.mvcc.Timestamps;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GC safe point as this store knows it, and the rule that comes with it: a snapshot below it
 * may miss versions GC removed, so reads below it are refused with an error naming the safe point
 * rather than answered incompletely; a prewrite below it is refused too (its transaction is older
 * than anything GC keeps, and a rollback record that would stop a late prewrite may be gone).
 *
 * <p>The store learns the safe point before it removes anything below it, so a snapshot the
 * guard lets through is complete. Only ever moves forward. Thread-safe.
 */
public final class SafePointGuard {

    private final AtomicLong safePoint = new AtomicLong();

    /** A guard that refuses nothing until it learns a safe point. */
    public SafePointGuard() {}

    public long safePoint() {
        return safePoint.get();
    }

    /** Raises the known safe point to {@code value}; a lower value changes nothing. */
    public void advanceTo(long value) {
        safePoint.accumulateAndGet(value, (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
    }

    /**
     * @param what what is refused, for the message ("read", "prewrite")
     * @throws KeyErrorException (abort) when {@code ts} lies below the safe point
     */
    public void check(long ts, String what) {
        long sp = safePoint.get();
        if (Timestamps.before(ts, sp)) {
            throw new KeyErrorException(KeyErrors.abort(what + " at ts " + Timestamps.format(ts)
                    + " is below the GC safe point " + Timestamps.format(sp)
                    + ": versions it would need may have been removed"));
        }
    }
}
