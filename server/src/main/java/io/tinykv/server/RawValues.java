package io.tinykv.server;

import io.tinykv.storage.RawValue;
import java.util.OptionalLong;
import java.util.function.LongSupplier;

/**
 * RawKV values as the API edge writes and reads them, with TTL on or off ({@code [storage]
 * enable-ttl}, fixed per cluster; see {@link io.tinykv.storage.DataFormat}).
 *
 * <p>With TTL on, a write's expiry is computed here, on the store that serves the request, from
 * its clock and the request's {@code ttl} (seconds), and stored with the value
 * ({@link RawValue}); the encoded value then travels through Raft like any other, so every replica
 * stores the same expiry. Reads compare the expiry against the serving store's clock: an expired
 * value is absent. With TTL off, values are stored as sent and a non-zero {@code ttl} is refused
 * with TiKV's error text.
 *
 * <p>Expiry is second-grained as in TiKV: a value put with ttl {@code t} at second {@code s}
 * expires at second {@code s + t}, i.e. it lives between {@code t - 1} and {@code t} seconds.
 *
 * <p>Immutable and thread-safe; the clock is read once per request ({@link #now()}), so that every
 * key of a scan is judged against the same second.
 */
public final class RawValues {

    /** TiKV's answer to a ttl when TTL is off (its {@code TtlNotEnabled} error). */
    static final String TTL_NOT_ENABLED = "ttl is not enabled, but get put request with ttl";
    /** TiKV's answer to RawGetKeyTTL when TTL is off. */
    static final String TTL_NOT_ENABLED_FOR_GET = "ttl is not enabled";

    private static final long MILLIS_PER_SECOND = 1_000;

    private final boolean ttlEnabled;
    private final LongSupplier epochMillis;

    /**
     * @param ttlEnabled whether raw values carry an expiry
     * @param epochMillis the serving store's wall clock (Unix milliseconds)
     */
    public RawValues(boolean ttlEnabled, LongSupplier epochMillis) {
        this.ttlEnabled = ttlEnabled;
        this.epochMillis = epochMillis;
    }

    /** Values stored as sent; a ttl is refused. */
    public static RawValues withoutTtl() {
        return new RawValues(false, System::currentTimeMillis);
    }

    public boolean ttlEnabled() {
        return ttlEnabled;
    }

    /** Bytes each stored value has beyond the client's (for request size checks). */
    int overheadBytesPerValue() {
        return ttlEnabled ? RawValue.EXPIRY_BYTES : 0;
    }

    /** Refuses a non-zero ttl when TTL is off; checks nothing else. */
    void checkTtlAllowed(long ttl) {
        if (!ttlEnabled && ttl != 0) {
            throw new InvalidRequestException(TTL_NOT_ENABLED);
        }
    }

    /** The serving store's current second: read the clock once per request. */
    Now now() {
        return new Now(Math.floorDiv(epochMillis.getAsLong(), MILLIS_PER_SECOND));
    }

    /** Encoding and visibility at one reading of the clock. */
    final class Now {
        private final long seconds;

        private Now(long seconds) {
            this.seconds = seconds;
        }

        /**
         * The bytes to store for {@code value} put with {@code ttl} seconds (unsigned; 0 = never
         * expires).
         *
         * @throws InvalidRequestException when TTL is off and ttl is not 0, or when now + ttl does
         *     not fit TiKV's 64-bit expiry
         */
        byte[] stored(byte[] value, long ttl) {
            checkTtlAllowed(ttl);
            if (!ttlEnabled) {
                return value;
            }
            if (ttl != 0 && Long.compareUnsigned(ttl, -1L - seconds) > 0) {
                throw new InvalidRequestException("ttl " + Long.toUnsignedString(ttl)
                        + " s is too large: now (" + seconds
                        + " s since 1970) plus the ttl overflows the 64-bit expiry");
            }
            return new RawValue(value, ttl == 0 ? RawValue.NO_EXPIRY : seconds + ttl).encode();
        }

        /** The client's value of a stored one, or {@code null} when absent or expired. */
        byte[] visible(byte[] stored) {
            if (stored == null || !ttlEnabled) {
                return stored;
            }
            RawValue value = RawValue.decode(stored);
            return value.expiredAt(seconds) ? null : value.userValue();
        }

        /**
         * RawGetKeyTTL's answer for a stored value: empty when absent or expired, 0 when it never
         * expires, else the whole seconds left.
         *
         * @throws InvalidRequestException when TTL is off
         */
        OptionalLong secondsLeft(byte[] stored) {
            if (!ttlEnabled) {
                throw new InvalidRequestException(TTL_NOT_ENABLED_FOR_GET);
            }
            if (stored == null) {
                return OptionalLong.empty();
            }
            RawValue value = RawValue.decode(stored);
            return value.expiredAt(seconds) ? OptionalLong.empty() : OptionalLong.of(value.secondsLeftAt(seconds));
        }
    }
}
