package io.tinykv.raft;

/**
 * The window of append messages sent to one follower and not yet acknowledged, identified by the
 * last entry index each carried. A ring buffer of fixed capacity: when full, the leader stops
 * sending appends to that follower until acknowledgements free slots (flow control).
 */
final class Inflights {
    private final int capacity;
    private final long[] buffer;
    private int start;
    private int count;

    Inflights(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("inflights capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
        this.buffer = new long[capacity];
    }

    /** Records a message whose last entry index is {@code lastIndex}; indexes must increase. */
    void add(long lastIndex) {
        if (full()) {
            throw new IllegalStateException("cannot add into a full inflights window");
        }
        if (count > 0 && buffer[(start + count - 1) % capacity] >= lastIndex) {
            throw new IllegalStateException("inflight index " + lastIndex + " is not above the previous "
                    + buffer[(start + count - 1) % capacity]);
        }
        buffer[(start + count) % capacity] = lastIndex;
        count++;
    }

    /** Frees every message whose last index is at most {@code to} (they are acknowledged). */
    void freeLE(long to) {
        if (count == 0 || to < buffer[start]) {
            return;
        }
        int freed = 0;
        int idx = start;
        while (freed < count && buffer[idx] <= to) {
            freed++;
            idx = (idx + 1) % capacity;
        }
        count -= freed;
        start = count == 0 ? 0 : idx;
    }

    /** Frees the oldest message: a heartbeat response shows the follower is alive, so let one more go. */
    void freeFirstOne() {
        if (count > 0) {
            freeLE(buffer[start]);
        }
    }

    boolean full() {
        return count == capacity;
    }

    int count() {
        return count;
    }

    int capacity() {
        return capacity;
    }

    void reset() {
        count = 0;
        start = 0;
    }
}
