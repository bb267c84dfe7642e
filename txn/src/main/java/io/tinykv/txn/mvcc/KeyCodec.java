package io.tinykv.txn.mvcc;

import io.tinykv.proto.MemComparableCodec;

/**
 * The store's edge of {@link MemComparableCodec}, the memcomparable encoding in which user keys are
 * stored: bytes read from the engine that do not decode are a {@link CorruptRecordException}, never
 * guessed about. Encoding cannot fail, so it is {@link MemComparableCodec#encode(byte[])} itself.
 */
public final class KeyCodec {

    private KeyCodec() {}

    /**
     * {@link MemComparableCodec#decode(byte[])}: exactly one encoded key.
     *
     * @throws CorruptRecordException when the bytes are not a valid encoding or have bytes after it
     */
    public static byte[] decode(byte[] encoded) {
        try {
            return MemComparableCodec.decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException(e.getMessage());
        }
    }

    /**
     * {@link MemComparableCodec#decodePrefix}: the one encoded key that starts {@code encoded[0, limit)}.
     *
     * @throws CorruptRecordException when the bytes are not a valid encoding
     */
    public static MemComparableCodec.Decoded decodePrefix(byte[] encoded, int limit) {
        try {
            return MemComparableCodec.decodePrefix(encoded, limit);
        } catch (IllegalArgumentException e) {
            throw new CorruptRecordException(e.getMessage());
        }
    }

    /** Lower-case hex of {@code bytes}, for messages naming keys. */
    public static String hex(byte[] bytes) {
        return hex(bytes, bytes.length);
    }

    static String hex(byte[] bytes, int limit) {
        StringBuilder sb = new StringBuilder(limit * 2);
        for (int i = 0; i < limit; i++) {
            sb.append(String.format("%02x", bytes[i] & 0xFF));
        }
        return sb.toString();
    }
}
