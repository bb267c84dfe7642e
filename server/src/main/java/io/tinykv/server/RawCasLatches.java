package io.tinykv.server;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * TiKV's "atomic for CAS" mode for RawKV: {@code RawCompareAndSwap}, and every raw write that says
 * {@code for_cas}, holds the latches of its keys from before it reads (the compare) until its write
 * is applied (or has failed), so no other latched write of the same key interleaves.
 *
 * <p>Why a latch on the serving store is enough across leader changes: a compare reads at the leader
 * (ReadIndex or lease), which reflects every entry committed before the read, including all entries
 * of earlier terms (a leader reads only once an entry of its own term is committed). The only
 * entries that can commit between the compare's read and its own write are those this same leader
 * proposed in its current term, and those that touch the key were proposed under the key's latch on
 * this store. A write from another store in a later term cannot sneak in either: once a later term
 * has a leader, this leader's entry cannot commit any more, and the CAS fails instead.
 *
 * <p>One gap remains in that argument: a latched write that ended with an unknown outcome (a
 * command timeout, a storage failure) released its latch while its entry may still commit. Such a
 * slot is marked <em>unsettled</em>; the next holder first sends a no-op barrier through the
 * region's log and waits for it to apply, which orders that entry (or its loss) before the read.
 *
 * <p>Keys map to a fixed number of slots; two keys in one slot wait for each other, never for
 * anything else. A multi-key write takes its slots in ascending order, so latch holders never
 * deadlock. A raw delete range (which kvproto gives no {@code for_cas} flag) takes the whole table
 * exclusively: it is rare, and without that a CAS could swap in a value the range just deleted.
 *
 * <p>Thread-safe. The unsettled flags are read and written only by the holder of their slot.
 */
final class RawCasLatches {

    /**
     * Enough slots that unrelated keys rarely share one on a 2-core store serving a few hundred
     * concurrent requests; TiKV's scheduler latches use a table of the same idea.
     */
    static final int DEFAULT_SLOTS = 4096;

    private final ReentrantLock[] slots;
    private final boolean[] unsettled;
    private final ReentrantReadWriteLock table = new ReentrantReadWriteLock();

    RawCasLatches(int slotCount) {
        if (slotCount <= 0) {
            throw new IllegalArgumentException("slotCount must be positive, got " + slotCount);
        }
        slots = new ReentrantLock[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new ReentrantLock();
        }
        unsettled = new boolean[slotCount];
    }

    /** Takes the latches of {@code keys} (any order, duplicates allowed) until the guard is closed. */
    Guard acquire(Collection<ByteString> keys) {
        int[] held = keys.stream().mapToInt(this::slotOf).sorted().distinct().toArray();
        table.readLock().lock();
        for (int slot : held) {
            slots[slot].lock();
        }
        return new Guard(held, false);
    }

    /** Takes every latch, for a write whose keys are not known one by one (a delete range). */
    Guard acquireAll() {
        table.writeLock().lock();
        return new Guard(new int[0], true);
    }

    private int slotOf(ByteString key) {
        return Math.floorMod(key.hashCode(), slots.length);
    }

    /** Held latches; closing releases them in reverse order. */
    final class Guard implements AutoCloseable {
        private final int[] held;
        private final boolean exclusive;

        private Guard(int[] held, boolean exclusive) {
            this.held = held;
            this.exclusive = exclusive;
        }

        /** Whether a write that ended unknown may still change a key under these latches. */
        boolean unsettled() {
            if (exclusive) {
                return false;
            }
            for (int slot : held) {
                if (unsettled[slot]) {
                    return true;
                }
            }
            return false;
        }

        /** Records that a write under these latches ended with an unknown outcome. */
        void markUnsettled() {
            if (exclusive) {
                Arrays.fill(unsettled, true);
                return;
            }
            for (int slot : held) {
                unsettled[slot] = true;
            }
        }

        /** Records that everything written under these latches so far is applied or lost for good. */
        void markSettled() {
            for (int slot : held) {
                unsettled[slot] = false;
            }
        }

        @Override
        public void close() {
            if (exclusive) {
                table.writeLock().unlock();
                return;
            }
            for (int i = held.length - 1; i >= 0; i--) {
                slots[held[i]].unlock();
            }
            table.readLock().unlock();
        }
    }
}
