package io.tinykv.storage.space;

/**
 * How much free space a store keeps for itself ({@code [storage] reserve-space}): below it, client
 * writes are refused (see {@link DiskUsage}).
 */
public sealed interface ReserveSpace {

    /** The default: 5% of the disk, at most 2 GiB (TiKV reserves 5 GB; our disks are often small). */
    ReserveSpace DEFAULT = new FractionOfCapacity(0.05, 2L * 1024 * 1024 * 1024);

    /** The reserve in bytes on a file system of {@code capacityBytes}; 0 means no reserve. */
    long bytesFor(long capacityBytes);

    /** A fixed number of bytes; 0 turns the guard off. */
    record Fixed(long bytes) implements ReserveSpace {
        public Fixed {
            if (bytes < 0) {
                throw new IllegalArgumentException("the reserve must be >= 0 bytes, got " + bytes);
            }
        }

        @Override
        public long bytesFor(long capacityBytes) {
            return bytes;
        }

        @Override
        public String toString() {
            return bytes + " bytes";
        }
    }

    /** A fraction of the disk's capacity, at most {@code maxBytes}. */
    record FractionOfCapacity(double fraction, long maxBytes) implements ReserveSpace {
        public FractionOfCapacity {
            if (!(fraction > 0 && fraction < 1) || maxBytes <= 0) {
                throw new IllegalArgumentException("the reserve must be a fraction in (0, 1) and a positive cap, got "
                        + fraction + " and " + maxBytes);
            }
        }

        @Override
        public long bytesFor(long capacityBytes) {
            return Math.min((long) (capacityBytes * fraction), maxBytes);
        }

        @Override
        public String toString() {
            return Math.round(fraction * 100) + "% of the disk, at most " + maxBytes + " bytes";
        }
    }
}
