package io.tinykv.storage;

/**
 * Values RocksDB's compression cannot shrink much, for tests that measure disk size: with them the
 * bytes on disk follow the number of records kept, so a test can see versions being removed.
 */
public final class IncompressibleBytes {

    private IncompressibleBytes() {}

    /** {@code length} pseudo-random bytes (xorshift), the same for the same seed. */
    public static byte[] of(long seed, int length) {
        byte[] value = new byte[length];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < value.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            value[i] = (byte) x;
        }
        return value;
    }
}
