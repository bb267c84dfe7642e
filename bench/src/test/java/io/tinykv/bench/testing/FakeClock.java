package io.tinykv.bench.testing;

import io.tinykv.client.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Virtual time that moves only when fake targets {@link #advance} it, in lockstep with the one
 * thread that waits on it (the driver's coordinator): an advance may cross the waiter's deadline
 * once, and further advances wait until the waiter has woken and set its next deadline. So every
 * report interval is harvested at the virtual moment it ends, however the real threads are
 * scheduled, and nothing waits in real time.
 */
public final class FakeClock implements Clock {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Set<Object> monitors = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    /** The waiter's current deadline; until the first wait, advances hold on for it. Guarded by gate. */
    private long waiterDeadline = Long.MIN_VALUE;

    @Override
    public long nanoTime() {
        return now.get();
    }

    /** Moves time on, first waiting while the waiter has a passed deadline it has not acted on. */
    public void advance(Duration d) {
        synchronized (gate) {
            while (now.get() >= waiterDeadline) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the coordinator", e);
                }
            }
            now.addAndGet(d.toNanos());
        }
        wakeWaiters();
    }

    private void wakeWaiters() {
        for (Object m : monitors) {
            synchronized (m) {
                m.notifyAll();
            }
        }
    }

    @Override
    public void waitOn(Object monitor, long deadlineNanos) throws InterruptedException {
        synchronized (gate) {
            waiterDeadline = deadlineNanos;
            gate.notifyAll();
        }
        // Registered before the re-check so that an advance racing with it cannot be missed.
        monitors.add(monitor);
        if (now.get() < deadlineNanos) {
            monitor.wait();
        }
    }

    /** Sleeping moves time at once and is not gated: there is no coordinator in the sleeper's way. */
    @Override
    public void sleep(Duration duration) {
        now.addAndGet(duration.toNanos());
        wakeWaiters();
    }
}
