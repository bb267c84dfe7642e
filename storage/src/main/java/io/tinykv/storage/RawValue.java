package io.tinykv.storage;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A RawKV value as stored when TTL is on ({@code [storage] enable-ttl}), in TiKV's API V1 TTL
 * layout: the user's bytes followed by the expiry as an 8-byte big-endian unsigned count of Unix
 * seconds, {@value #NO_EXPIRY} meaning "never expires". A value whose expiry is at or before the
 * current second is expired (TiKV's rule), and reads treat it as absent.
 *
 * <p>With TTL off, raw values are stored as sent and this class is not used: the setting decides
 * the layout of every raw value of a store, which is why it is fixed when the store is created
 * ({@link DataFormat}).
 *
 * @param userValue the bytes the client wrote (not copied: treat as immutable)
 * @param expireAtSeconds Unix seconds (unsigned) at which the value expires, or {@value #NO_EXPIRY}
 */
public record RawValue(byte[] userValue, long expireAtSeconds) {

    /** The expiry of a value that never expires. */
    public static final long NO_EXPIRY = 0;
    /** The bytes the expiry adds to every stored value. */
    public static final int EXPIRY_BYTES = Long.BYTES;

    public RawValue {
        if (userValue == null) {
            throw new IllegalArgumentException("userValue must not be null");
        }
    }

    /** The stored form: the user's bytes, then the expiry (big-endian). */
    public byte[] encode() {
        return ByteBuffer.allocate(userValue.length + EXPIRY_BYTES)
                .put(userValue)
                .putLong(expireAtSeconds)
                .array();
    }

    /**
     * Parses a stored value.
     *
     * @throws StorageException when {@code stored} is shorter than the expiry: it was not written
     *     by a RawKV put with TTL on (e.g. a transactional record read through the raw API)
     */
    public static RawValue decode(byte[] stored) {
        if (stored.length < EXPIRY_BYTES) {
            throw new StorageException("a raw value of " + stored.length + " bytes has no room for its " + EXPIRY_BYTES
                    + "-byte expiry; it was not written by a RawKV put with storage.enable-ttl on");
        }
        int userLength = stored.length - EXPIRY_BYTES;
        long expireAt = ByteBuffer.wrap(stored, userLength, EXPIRY_BYTES).getLong();
        return new RawValue(Arrays.copyOf(stored, userLength), expireAt);
    }

    /** Whether it expires at all. */
    public boolean expires() {
        return expireAtSeconds != NO_EXPIRY;
    }

    /** Whether it is expired at {@code nowSeconds} (Unix seconds): its expiry is not after now. */
    public boolean expiredAt(long nowSeconds) {
        return expires() && Long.compareUnsigned(expireAtSeconds, nowSeconds) <= 0;
    }

    /**
     * Whole seconds left at {@code nowSeconds}: 0 for a value that never expires (TiKV's answer),
     * else the expiry minus now, never below 0.
     */
    public long secondsLeftAt(long nowSeconds) {
        if (!expires() || expiredAt(nowSeconds)) {
            return 0;
        }
        return expireAtSeconds - nowSeconds;
    }
}
