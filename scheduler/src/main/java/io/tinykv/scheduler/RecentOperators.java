package io.tinykv.scheduler;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The last operators that ended, newest first, and how: what the status page shows under "recent
 * operators". Bounded by count, never by time. Not thread-safe: the {@link Coordinator} calls it
 * under its lock.
 */
public final class RecentOperators {

    /** One ended operator. @param event finished, timed_out, dropped or replaced */
    public record Ended(Operator operator, String event, long endedAtMillis) {}

    private final int capacity;
    private final Deque<Ended> ended = new ArrayDeque<>();

    RecentOperators(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("recent operators capacity must be >= 1 (got " + capacity + ")");
        }
        this.capacity = capacity;
    }

    void add(Operator op, String event, long nowMillis) {
        ended.addFirst(new Ended(op, event, nowMillis));
        while (ended.size() > capacity) {
            ended.removeLast();
        }
    }

    List<Ended> newestFirst() {
        return List.copyOf(ended);
    }
}
