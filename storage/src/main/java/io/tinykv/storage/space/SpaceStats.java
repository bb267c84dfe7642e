package io.tinykv.storage.space;

/**
 * One reading of a file system's size.
 *
 * @param capacityBytes the file system's total size
 * @param availableBytes what this process may still write (statvfs' available blocks)
 */
public record SpaceStats(long capacityBytes, long availableBytes) {

    public SpaceStats {
        if (capacityBytes < 0 || availableBytes < 0) {
            throw new IllegalArgumentException(
                    "sizes must be >= 0, got capacity " + capacityBytes + " and available " + availableBytes);
        }
    }
}
