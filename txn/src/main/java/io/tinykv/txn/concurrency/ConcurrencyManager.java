package io.tinykv.txn.concurrency;

import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.Timestamps;
import java.util.Arrays;
import java.util.Collection;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The store's {@code max_ts} and its table of memory locks (TiKV's {@code ConcurrencyManager}).
 *
 * <p>A commit timestamp the store computes itself (1PC) must lie above every snapshot read the store
 * has served on the keys, or a reader at {@code T} could miss a commit the store later places at or
 * below {@code T} and then see it on a second read: a snapshot that changes. Two halves make that
 * hold:
 *
 * <ul>
 *   <li><b>max_ts</b>: every snapshot read raises it to its read ts before it looks at anything, and
 *       a one-phase prewrite picks a commit ts above it. That covers reads that come before the
 *       prewrite looks at {@code max_ts}.</li>
 *   <li><b>memory locks</b>: a read that comes after that but before the commit records are written
 *       (Raft takes a while) would find neither the records nor a lock in its snapshot. So the
 *       prewrite puts a memory lock on each key <em>before</em> it reads {@code max_ts}, and the read
 *       checks the memory locks <em>after</em> raising {@code max_ts} and <em>before</em> taking its
 *       snapshot. Per key, the prewrite computes the key's lock (reading {@code max_ts}) and the
 *       reader inspects it under the same monitor, so one of the two sees the other: either the
 *       prewrite's {@code max_ts} includes the read (commit ts above it), or the read meets the lock
 *       and treats it as any lock (blocked when its min commit ts is at or below the read). A memory
 *       lock is dropped only after the write was applied, when any later snapshot contains it.</li>
 * </ul>
 *
 * <p>Store-wide and in memory: a store that restarts, or a peer that becomes leader, starts from a
 * {@code max_ts} that knows nothing of reads served elsewhere; {@link MaxTsSync} closes that gap.
 *
 * <p>Thread-safe.
 */
public final class ConcurrencyManager {

    private final AtomicLong maxTs = new AtomicLong();
    private final ConcurrentSkipListMap<byte[], MemoryLock> memoryLocks =
            new ConcurrentSkipListMap<>(Arrays::compareUnsigned);

    /** The largest read ts seen (unsigned), or the last TSO timestamp a sync brought in. */
    public long maxTs() {
        return maxTs.get();
    }

    /**
     * Raises {@code max_ts} to {@code ts}. {@link Timestamps#MAX} ("the latest committed data", a
     * read that does not pin a snapshot) is ignored, as in TiKV: it would push every later commit ts
     * to the end of time.
     */
    public void updateMaxTs(long ts) {
        if (ts == Timestamps.MAX) {
            return;
        }
        maxTs.accumulateAndGet(ts, (a, b) -> Timestamps.after(a, b) ? a : b);
    }

    /**
     * Puts empty memory locks on {@code keys}, for a prewrite that will compute its timestamps next.
     * The caller holds the keys' latches, so no other prewrite holds a memory lock on them.
     *
     * @throws IllegalStateException when a key already has one (a latch was not held)
     */
    public KeyGuard lockKeys(Collection<byte[]> keys) {
        NavigableMap<byte[], MemoryLock> held = new TreeMap<>(Arrays::compareUnsigned);
        for (byte[] key : keys) {
            MemoryLock slot = new MemoryLock();
            if (held.containsKey(key) || memoryLocks.putIfAbsent(key, slot) != null) {
                new KeyGuard(held).close();
                throw new IllegalStateException("a memory lock is already held on a key: its latch was not held");
            }
            held.put(key, slot);
        }
        return new KeyGuard(held);
    }

    /**
     * A snapshot read at {@code readTs} of {@code keys}: raises {@code max_ts}, then returns the
     * memory locks that are on them (only those whose lock is computed: an empty one belongs to a
     * prewrite that has not read {@code max_ts} yet and will see this read).
     */
    public NavigableMap<byte[], Lock> readKeys(long readTs, Collection<byte[]> keys) {
        updateMaxTs(readTs);
        NavigableMap<byte[], Lock> found = new TreeMap<>(Arrays::compareUnsigned);
        if (memoryLocks.isEmpty()) {
            return found;
        }
        for (byte[] key : keys) {
            MemoryLock slot = memoryLocks.get(key);
            Lock lock = slot == null ? null : slot.get();
            if (lock != null) {
                found.put(key, lock);
            }
        }
        return found;
    }

    /** As {@link #readKeys}, for a scan of {@code range}. */
    public NavigableMap<byte[], Lock> readRange(long readTs, KeyRange range) {
        updateMaxTs(readTs);
        NavigableMap<byte[], Lock> found = new TreeMap<>(Arrays::compareUnsigned);
        if (memoryLocks.isEmpty() || range.isEmpty()) {
            return found;
        }
        ConcurrentNavigableMap<byte[], MemoryLock> inRange = range.unboundedAbove()
                ? memoryLocks.tailMap(range.start(), true)
                : memoryLocks.subMap(range.start(), true, range.end(), false);
        inRange.forEach((key, slot) -> {
            Lock lock = slot.get();
            if (lock != null) {
                found.put(key, lock);
            }
        });
        return found;
    }

    /** How many memory locks are held (for tests and metrics). */
    public int memoryLockCount() {
        return memoryLocks.size();
    }

    /** One key's memory lock: empty until its prewrite computed it. */
    private static final class MemoryLock {
        private Lock lock;

        synchronized Lock get() {
            return lock;
        }

        synchronized Lock compute(LongFunction<Lock> atMaxTs, AtomicLong maxTs) {
            lock = atMaxTs.apply(maxTs.get());
            return lock;
        }
    }

    /** The memory locks of one prewrite; closing drops them (after its write was applied, or failed). */
    public final class KeyGuard implements AutoCloseable {
        private final NavigableMap<byte[], MemoryLock> held;
        private boolean closed;

        private KeyGuard(NavigableMap<byte[], MemoryLock> held) {
            this.held = held;
        }

        /**
         * Computes the lock of {@code key} from the current {@code max_ts} and publishes it to
         * readers, atomically with respect to their checks of this key.
         *
         * @param atMaxTs the lock for a given {@code max_ts}; its min commit ts must lie above it
         * @return the lock published
         */
        public Lock publish(byte[] key, LongFunction<Lock> atMaxTs) {
            MemoryLock slot = held.get(key);
            if (slot == null) {
                throw new IllegalArgumentException("key is not guarded by this prewrite");
            }
            return slot.compute(atMaxTs, maxTs);
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            held.forEach(memoryLocks::remove);
        }
    }
}
