package io.tinykv.server.pd;

/**
 * Hands out unique, increasing ids across restarts. Reserves them in batches: the end of the
 * current batch is persisted before any id of it is handed out, and a restart continues after it.
 */
public final class IdAllocator {

    /** Ids up to this value are reserved for the fixed store, region and peer of standalone mode. */
    public static final long RESERVED_IDS = 1_000;

    private final DurableLong endFile;
    private final long batchSize;
    private long last;
    private long end;

    public IdAllocator(DurableLong endFile, long batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0 (got " + batchSize + ")");
        }
        this.endFile = endFile;
        this.batchSize = batchSize;
        this.last = endFile.read().orElse(RESERVED_IDS);
        this.end = last;
    }

    public synchronized long next() {
        if (last == end) {
            long newEnd = Math.addExact(end, batchSize);
            endFile.write(newEnd);
            end = newEnd;
        }
        last++;
        return last;
    }
}
