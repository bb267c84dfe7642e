package io.tinykv.raftstore.transport.grpc;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How many snapshots a store receives at once, and how many bytes they may announce together
 * ({@code raftstore.concurrent-recv-snap-limit}, {@code raftstore.snap-max-total-size}). A stream
 * takes a {@link Permit} once its header told the snapshot's size, before any of its files is
 * written, and gives it back when it ends however it ends. One that finds no room is refused:
 * received snapshots cost disk and a sync per file, and a sender may stream many (one per
 * region and follower) at once.
 *
 * <p>A snapshot larger than the byte budget is admitted when no other is being received, so
 * that a region larger than the budget can still get a replica (one snapshot at a time); the
 * budget bounds what waits beside it, not the size of a region.
 */
public final class SnapshotRecvLimit {

    /** TiKV's default concurrent-recv-snap-limit. */
    public static final int DEFAULT_MAX_STREAMS = 32;
    /** Room for about 28 snapshots of regions at the default region-max-size (144 MiB). */
    public static final long DEFAULT_MAX_TOTAL_BYTES = 4L * 1024 * 1024 * 1024;

    private final int maxStreams;
    private final long maxTotalBytes;
    // Guarded by this.
    private int streams;
    private long bytes;
    private long refused;

    public SnapshotRecvLimit(int maxStreams, long maxTotalBytes) {
        if (maxStreams <= 0) {
            throw new IllegalArgumentException("maxStreams must be > 0, got " + maxStreams);
        }
        if (maxTotalBytes <= 0) {
            throw new IllegalArgumentException("maxTotalBytes must be > 0, got " + maxTotalBytes);
        }
        this.maxStreams = maxStreams;
        this.maxTotalBytes = maxTotalBytes;
    }

    static SnapshotRecvLimit defaults() {
        return new SnapshotRecvLimit(DEFAULT_MAX_STREAMS, DEFAULT_MAX_TOTAL_BYTES);
    }

    /** A place taken by one snapshot being received; {@link #close} gives it back (once). */
    final class Permit implements AutoCloseable {

        private final long permitBytes;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Permit(long permitBytes) {
            this.permitBytes = permitBytes;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(permitBytes);
            }
        }
    }

    /** Why a snapshot was not admitted; the message names the setting that bounds it. */
    static final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Admits a snapshot of {@code snapshotBytes} if there is room for it.
     *
     * @throws Refused when {@code maxStreams} are being received already, or the bytes they
     *     announced plus these would exceed {@code maxTotalBytes} (and another is being received)
     */
    synchronized Permit acquire(long snapshotBytes) throws Refused {
        if (snapshotBytes < 0) {
            throw new IllegalArgumentException("snapshotBytes must be >= 0, got " + snapshotBytes);
        }
        if (streams >= maxStreams) {
            refused++;
            throw new Refused(streams + " snapshots are being received already "
                    + "(raftstore.concurrent-recv-snap-limit = " + maxStreams + "); send it again later");
        }
        if (streams > 0 && snapshotBytes > maxTotalBytes - bytes) {
            refused++;
            throw new Refused("the " + streams + " snapshots being received announced " + bytes + " bytes; "
                    + snapshotBytes + " more would exceed raftstore.snap-max-total-size = " + maxTotalBytes
                    + " bytes; send it again later");
        }
        streams++;
        bytes += snapshotBytes;
        return new Permit(snapshotBytes);
    }

    private synchronized void release(long permitBytes) {
        streams--;
        bytes -= permitBytes;
    }

    /** Snapshots being received now. */
    synchronized int streams() {
        return streams;
    }

    /** The bytes those snapshots announced. */
    synchronized long bytes() {
        return bytes;
    }

    /** Snapshots refused for want of room so far. */
    synchronized long refused() {
        return refused;
    }
}
