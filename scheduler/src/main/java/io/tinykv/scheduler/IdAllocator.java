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
        if (batchSize <= 0) {
            throw new IllegalArgumentException("id batch size must be > 0 (got " + batchSize + ")");
        }
        this.end = end;
        this.batchSize = batchSize;
        this.last = end.read().orElse(0);
        this.reservedEnd = last;
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
