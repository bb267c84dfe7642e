package io.tinykv.raftstore.sim;

import java.util.PriorityQueue;
import java.util.function.BooleanSupplier;

/**
 * Virtual time and the one event queue of the simulator. Events run in time order, ties in the
 * order they were scheduled, all on the calling thread: a run is a pure function of its seed.
 * After every event the {@code afterEvent} hook runs (the cluster drives its stores' Raft rounds).
 */
public final class SimLoop {

    private record Event(long timeMs, long seq, Runnable action) {}

    private final PriorityQueue<Event> events = new PriorityQueue<>(
            (a, b) -> a.timeMs != b.timeMs ? Long.compare(a.timeMs, b.timeMs) : Long.compare(a.seq, b.seq));
    private long nowMs;
    private long nextSeq;
    private Runnable afterEvent = () -> {};

    public long nowMs() {
        return nowMs;
    }

    /** Virtual time in nanoseconds: the monotonic clock of every simulated store. */
    public long nowNanos() {
        return java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(nowMs);
    }

    void setAfterEvent(Runnable hook) {
        this.afterEvent = hook;
    }

    /** Runs {@code action} {@code delayMs} from now (0: after everything already due now). */
    public void schedule(long delayMs, Runnable action) {
        if (delayMs < 0) {
            throw new IllegalArgumentException("negative delay " + delayMs);
        }
        events.add(new Event(nowMs + delayMs, nextSeq++, action));
    }

    /** Runs {@code action} every {@code periodMs}, starting one period from now, forever. */
    public void every(long periodMs, Runnable action) {
        schedule(periodMs, () -> {
            action.run();
            every(periodMs, action);
        });
    }

    /** Runs events until virtual time reaches {@code untilMs}. */
    public void runUntil(long untilMs) {
        while (!events.isEmpty() && events.peek().timeMs <= untilMs) {
            step();
        }
        nowMs = Math.max(nowMs, untilMs);
    }

    public void runFor(long durationMs) {
        runUntil(nowMs + durationMs);
    }

    /**
     * Runs events until {@code condition} holds, checked after every event, or the virtual deadline
     * passes.
     *
     * @return whether the condition holds
     */
    public boolean runUntil(BooleanSupplier condition, long timeoutMs) {
        long deadline = nowMs + timeoutMs;
        while (!condition.getAsBoolean()) {
            if (events.isEmpty() || events.peek().timeMs > deadline) {
                nowMs = Math.max(nowMs, deadline);
                return condition.getAsBoolean();
            }
            step();
        }
        return true;
    }

    private void step() {
        Event e = events.poll();
        nowMs = e.timeMs;
        e.action.run();
        afterEvent.run();
    }
}
