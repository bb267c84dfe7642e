package io.tinykv.raftstore.transport.grpc;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many snapshots a store sends at once ({@code raftstore.concurrent-send-snap-limit}, TiKV's
 * name and default). Each stream reads SST files and holds a gRPC stream and its buffers, and a
 * leader of many regions may be asked for many at once (a new store, a long partition healing). A
 * send takes a {@link Permit} when the snapshot message is handed to the transport and gives it back
 * when its stream ends, however it ends; one that finds every place taken is refused at once and
 * reported failed, as TiKV drops it, and Raft sends the snapshot again later.
 */
public final class SnapshotSendLimit {

    /** TiKV's default concurrent-send-snap-limit. */
    public static final int DEFAULT_MAX_STREAMS = 32;

    private final int maxStreams;
    // Guarded by this.
    private int sending;
    private long refused;

    public SnapshotSendLimit(int maxStreams) {
        if (maxStreams <= 0) {
            throw new IllegalArgumentException("maxStreams must be > 0, got " + maxStreams);
        }
        this.maxStreams = maxStreams;
    }

    static SnapshotSendLimit defaults() {
        return new SnapshotSendLimit(DEFAULT_MAX_STREAMS);
    }

    /** A place taken by one snapshot being sent; {@link #close} gives it back (once). */
    final class Permit implements AutoCloseable {

        private final AtomicBoolean closed = new AtomicBoolean();

        private Permit() {}

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release();
            }
        }
    }

    /** A place for one more snapshot, or null (counted as refused) when {@code maxStreams} are being sent. */
    synchronized Permit tryAcquire() {
        if (sending >= maxStreams) {
            refused++;
            return null;
        }
        sending++;
        return new Permit();
    }

    private synchronized void release() {
        sending--;
    }

    int maxStreams() {
        return maxStreams;
    }

    /** Snapshots being sent now. */
    synchronized int sending() {
        return sending;
    }

    /** Snapshots refused for want of a place so far. */
    synchronized long refused() {
        return refused;
    }
}
