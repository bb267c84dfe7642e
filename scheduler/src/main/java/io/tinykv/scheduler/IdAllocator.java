package io.tinykv.scheduler;

/**
 * Hands out unique, increasing ids (stores, regions, peers) across restarts. Reserves them in
 * batches: the end of a batch is persisted before any id of it is handed out, and a restart
 * continues after the persisted end, so an id is never handed out twice. Thread-safe.
 */
public final class IdAllocator {

    private final PersistedLong end;
    private final long batchSize;
    private long last;
    private long reservedEnd;

    public IdAllocator(PersistedLong end, long batchSize) {
        this(end, batchSize, 0);
    }

    /**
     * An allocator that never hands out ids up to {@code reservedIds} (standalone mode fixes its
     * one store, region and peer ids below them).
     */
    public IdAllocator(PersistedLong end, long batchSize, long reservedIds) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("id batch size must be > 0 (got " + batchSize + ")");
        }
        if (reservedIds < 0) {
            throw new IllegalArgumentException("reserved ids must be >= 0 (got " + reservedIds + ")");
        }
        this.end = end;
        this.batchSize = batchSize;
        this.last = Math.max(end.read().orElse(0), reservedIds);
        this.reservedEnd = last;
    }

    /** The last id handed out, for the status page. */
    public synchronized long last() {
        return last;
    }

    /** The end of the persisted batch: a restart continues after it. */
    public synchronized long reservedEnd() {
        return reservedEnd;
    }

    public synchronized long next() {
        if (last == reservedEnd) {
            long newEnd = Math.addExact(reservedEnd, batchSize);
            end.write(newEnd);
            reservedEnd = newEnd;
        }
        last++;
        return last;
    }
}
