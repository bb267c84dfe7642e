package io.tinykv.txn.mvcc;

import io.tinykv.proto.MemComparableCodec;
import java.nio.ByteBuffer;

/**
 * A versioned key as the {@code default} and {@code write} column families store it: the
 * memcomparable encoding of the user key, then the bitwise-not of the timestamp, big-endian. The
 * inversion makes newer versions of one key sort first, so a seek to {@code (key, ts)} lands on the
 * newest version at or below {@code ts}.
 */
public record MvccKey(byte[] userKey, long ts) {

    /** Size of the timestamp suffix. */
    public static final int TS_BYTES = Long.BYTES;

    /** The engine key for {@code userKey} at {@code ts}. */
    public static byte[] encode(byte[] userKey, long ts) {
        byte[] encodedKey = MemComparableCodec.encode(userKey);
        return appendTs(encodedKey, ts);
    }

    /** {@code encodedUserKey} followed by the inverted timestamp. */
    public static byte[] appendTs(byte[] encodedUserKey, long ts) {
        return ByteBuffer.allocate(encodedUserKey.length + TS_BYTES)
                .put(encodedUserKey)
                .putLong(~ts)
                .array();
    }

    /** The engine key of this version. */
    public byte[] toBytes() {
        return encode(userKey, ts);
    }

    /**
     * Parses an engine key of the {@code default} or {@code write} column family.
     *
     * @throws CorruptRecordException when the key is not a memcomparable key followed by 8 bytes
     */
    public static MvccKey decode(byte[] engineKey) {
        if (engineKey.length < MemComparableCodec.ENCODED_GROUP_SIZE + TS_BYTES) {
            throw new CorruptRecordException("MVCC key too short (" + engineKey.length + " bytes): "
                    + KeyCodec.hex(engineKey, engineKey.length));
        }
        int keyPart = engineKey.length - TS_BYTES;
        MemComparableCodec.Decoded decoded = KeyCodec.decodePrefix(engineKey, keyPart);
        if (decoded.encodedLength() != keyPart) {
            throw new CorruptRecordException("MVCC key has " + (keyPart - decoded.encodedLength())
                    + " stray bytes between key and timestamp: " + KeyCodec.hex(engineKey, engineKey.length));
        }
        long ts = ~ByteBuffer.wrap(engineKey, keyPart, TS_BYTES).getLong();
        return new MvccKey(decoded.key(), ts);
    }

    /** The timestamp of an engine key, without decoding the user key. */
    public static long tsOf(byte[] engineKey) {
        if (engineKey.length < TS_BYTES) {
            throw new CorruptRecordException(
                    "MVCC key too short for a timestamp: " + KeyCodec.hex(engineKey, engineKey.length));
        }
        return ~ByteBuffer.wrap(engineKey, engineKey.length - TS_BYTES, TS_BYTES)
                .getLong();
    }

    /** Whether {@code engineKey} is a version of the user key whose encoding is {@code encodedUserKey}. */
    public static boolean isVersionOf(byte[] engineKey, byte[] encodedUserKey) {
        return engineKey.length == encodedUserKey.length + TS_BYTES
                && java.util.Arrays.equals(
                        engineKey, 0, encodedUserKey.length, encodedUserKey, 0, encodedUserKey.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MvccKey other && ts == other.ts && java.util.Arrays.equals(userKey, other.userKey);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(userKey) + Long.hashCode(ts);
    }

    @Override
    public String toString() {
        return "MvccKey[" + KeyCodec.hex(userKey, userKey.length) + "@" + Timestamps.format(ts) + "]";
    }
}
