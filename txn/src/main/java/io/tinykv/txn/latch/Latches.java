package io.tinykv.txn.latch;

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
        int[] wanted = keys.stream().mapToInt(this::slotOf).sorted().distinct().toArray();
        long id = nextCommandId.incrementAndGet();
        int held = 0;
        try {
            for (int slot : wanted) {
                slots[slot].enqueueAndAwaitTurn(id);
                held++;
            }
        } catch (InterruptedException e) {
            for (int i = 0; i < held; i++) {
                slots[wanted[i]].release(id);
            }
            throw e;
        }
        return new Guard(id, wanted);
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

        void enqueueAndAwaitTurn(long id) throws InterruptedException {
            lock.lock();
            try {
                queue.addLast(id);
                try {
                    while (queue.peekFirst() != id) {
                        headChanged.await();
                    }
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
