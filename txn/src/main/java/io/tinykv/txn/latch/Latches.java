package io.tinykv.txn.latch;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serializes transactional commands that touch the same keys, so that each one's
 * read-check-write runs as if alone; commands on different keys run in parallel (TiKV's
 * scheduler latches).
 *
 * <p>Keys hash into a fixed table of slots. Each slot keeps a FIFO queue of command ids; the
 * command at the head holds the slot. A command takes its slots in ascending slot order, so two
 * commands never wait for each other in a cycle: whoever waits holds only lower slots than the one
 * it waits for. Two keys sharing a slot merely serialize more than necessary, never less.
 */
public final class Latches {

    /** Default slot count: enough that unrelated keys rarely share one. */
    public static final int DEFAULT_SLOTS = 2048;
    /** A multiplier of MurmurHash3's finalizer: spreads every input bit over the slot bits. */
    private static final int HASH_MIX = 0x85EBCA6B;

    private final Slot[] slots;
    private final int mask;
    private final AtomicLong nextCommandId = new AtomicLong();

    public Latches() {
        this(DEFAULT_SLOTS);
    }

    /** @param slotCount a power of two */
    public Latches(int slotCount) {
        if (slotCount <= 0 || Integer.bitCount(slotCount) != 1) {
            throw new IllegalArgumentException("latch slot count must be a positive power of two, got " + slotCount);
        }
        slots = new Slot[slotCount];
        for (int i = 0; i < slotCount; i++) {
            slots[i] = new Slot();
        }
        mask = slotCount - 1;
    }

    /**
     * Waits until the calling command holds the latches of all {@code keys}; release them by
     * closing the guard (on the same or any other thread).
     *
     * @throws InterruptedException if interrupted while waiting; nothing is held then
     */
    public Guard acquire(Collection<byte[]> keys) throws InterruptedException {
        return acquireBefore(keys, Long.MAX_VALUE);
    }

    /**
     * {@link #acquire}, giving up after {@code timeout}: then nothing is held and the answer is null.
     *
     * @throws InterruptedException if interrupted while waiting; nothing is held then
     */
    public Guard tryAcquire(Collection<byte[]> keys, Duration timeout) throws InterruptedException {
        long timeoutNanos = timeout.toNanos();
        long now = System.nanoTime();
        // Saturate: a deadline past the end of the nano clock means none.
        long deadline = Long.MAX_VALUE - now < timeoutNanos ? Long.MAX_VALUE : now + timeoutNanos;
        return acquireBefore(keys, deadline);
    }

    /** Null once {@code System.nanoTime()} passes {@code deadlineNanos} (MAX_VALUE: never). */
    private Guard acquireBefore(Collection<byte[]> keys, long deadlineNanos) throws InterruptedException {
        int[] wanted = keys.stream().mapToInt(this::slotOf).sorted().distinct().toArray();
        long id = nextCommandId.incrementAndGet();
        int held = 0;
        try {
            for (int slot : wanted) {
                if (!slots[slot].enqueueAndAwaitTurn(id, deadlineNanos)) {
                    releaseFirst(wanted, held, id);
                    return null;
                }
                held++;
            }
        } catch (InterruptedException e) {
            releaseFirst(wanted, held, id);
            throw e;
        }
        return new Guard(id, wanted);
    }

    private void releaseFirst(int[] wanted, int count, long id) {
        for (int i = 0; i < count; i++) {
            slots[wanted[i]].release(id);
        }
    }

    /** The slot {@code key} hashes to. */
    public int slotOf(byte[] key) {
        int h = Arrays.hashCode(key);
        // Spread the high bits down: Arrays.hashCode differs mostly in low bits for short keys.
        h ^= (h >>> 16);
        h *= HASH_MIX;
        h ^= (h >>> 13);
        return h & mask;
    }

    /** Commands holding or waiting for {@code key}'s slot; for tests and metrics. */
    public int queueLength(byte[] key) {
        return slots[slotOf(key)].queueLength();
    }

    /** The latches one command holds. */
    public final class Guard implements AutoCloseable {
        private final long id;
        private final int[] heldSlots;
        private boolean released;

        private Guard(long id, int[] heldSlots) {
            this.id = id;
            this.heldSlots = heldSlots;
        }

        @Override
        public synchronized void close() {
            if (released) {
                return;
            }
            released = true;
            for (int slot : heldSlots) {
                slots[slot].release(id);
            }
        }
    }

    private static final class Slot {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition headChanged = lock.newCondition();
        private final ArrayDeque<Long> queue = new ArrayDeque<>();

        /** Whether {@code id} got to the head before the deadline; if not, it left the queue. */
        boolean enqueueAndAwaitTurn(long id, long deadlineNanos) throws InterruptedException {
            lock.lock();
            try {
                queue.addLast(id);
                try {
                    while (queue.peekFirst() != id) {
                        if (deadlineNanos == Long.MAX_VALUE) {
                            headChanged.await();
                            continue;
                        }
                        long left = deadlineNanos - System.nanoTime();
                        if (left <= 0) {
                            queue.remove(id);
                            headChanged.signalAll();
                            return false;
                        }
                        headChanged.awaitNanos(left);
                    }
                    return true;
                } catch (InterruptedException e) {
                    queue.remove(id);
                    headChanged.signalAll();
                    throw e;
                }
            } finally {
                lock.unlock();
            }
        }

        void release(long id) {
            lock.lock();
            try {
                Long head = queue.peekFirst();
                if (head == null || head != id) {
                    throw new IllegalStateException("latch released by command " + id + " but held by " + head);
                }
                queue.pollFirst();
                headChanged.signalAll();
            } finally {
                lock.unlock();
            }
        }

        int queueLength() {
            lock.lock();
            try {
                return queue.size();
            } finally {
                lock.unlock();
            }
        }
    }
}
