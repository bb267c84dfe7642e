package io.tinykv.testkit.clock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A store's monotonic clock ({@code System.nanoTime}) that can hold the store's Raft thread: while
 * the gate is shut, the Raft thread waits at its next reading of the clock (it reads it on every
 * turn of its loop, at least once per tick), as if its disk had stalled. Every other thread reads
 * the clock as usual, so the gRPC threads keep taking requests and queueing them for Raft.
 */
public final class RaftThreadGate implements LongSupplier {

    /** How a store names its Raft thread: {@code store-<id>-raft}; a test's driver thread must end so too. */
    public static final String RAFT_THREAD_SUFFIX = "-raft";

    private boolean shut;
    private boolean raftThreadWaiting;

    @Override
    public long getAsLong() {
        if (Thread.currentThread().getName().endsWith(RAFT_THREAD_SUFFIX)) {
            waitWhileShut();
        }
        return System.nanoTime();
    }

    private synchronized void waitWhileShut() {
        try {
            while (shut) {
                raftThreadWaiting = true;
                notifyAll();
                wait();
            }
        } catch (InterruptedException e) {
            // The store is stopping: let its Raft thread see the interrupt.
            Thread.currentThread().interrupt();
        } finally {
            raftThreadWaiting = false;
        }
    }

    /** Shuts the gate and waits until the Raft thread is held at it. */
    public synchronized void holdRaftThread(Duration timeout) throws InterruptedException {
        shut = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!raftThreadWaiting) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("the Raft thread did not reach the gate within " + timeout);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** Lets the Raft thread run again. */
    public synchronized void release() {
        shut = false;
        notifyAll();
    }
}
