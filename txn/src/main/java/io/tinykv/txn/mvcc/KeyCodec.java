package io.tinykv.txn.mvcc;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * TiKV's memcomparable encoding of byte strings ({@code codec::bytes::encode_bytes}), the form in
 * which user keys are stored and the form TiKV clients in transactional (API V1) mode use for region
 * boundaries.
 *
 * <p>The key is cut into groups of {@value #GROUP_SIZE} bytes. Every group is written as its 8
 * bytes (the last one padded with zeros) followed by a marker byte {@code 0xFF - padCount}. A key
 * whose length is a multiple of 8 (the empty key included) ends with an all-padding group, marker
 * {@code 0xF7}. Unsigned byte order of encodings equals unsigned byte order of keys, and no
 * encoding is a prefix of another, so anything appended (a timestamp) never changes the order
 * between different keys.
 */
public final class KeyCodec {

    /** Bytes of key data per group. */
    public static final int GROUP_SIZE = 8;
    /** Encoded size of one group: data plus marker. */
    public static final int ENCODED_GROUP_SIZE = GROUP_SIZE + 1;
    /** The marker of a full group: no padding, more groups follow. */
    static final int MARKER_FULL = 0xFF;

    private static final byte PAD = 0;

    private KeyCodec() {}

    /** The memcomparable encoding of {@code key}. */
    public static byte[] encode(byte[] key) {
        int groups = key.length / GROUP_SIZE + 1;
        byte[] out = new byte[groups * ENCODED_GROUP_SIZE];
        int in = 0;
        int pos = 0;
        for (int g = 0; g < groups; g++) {
            int remaining = key.length - in;
            int take = Math.min(remaining, GROUP_SIZE);
            System.arraycopy(key, in, out, pos, take);
            in += take;
            // Bytes after the copied ones are already PAD (zero) in a fresh array.
            int padCount = GROUP_SIZE - take;
            out[pos + GROUP_SIZE] = (byte) (MARKER_FULL - padCount);
            pos += ENCODED_GROUP_SIZE;
        }
        return out;
    }

    /** The number of bytes {@link #encode} produces for a key of {@code keyLength} bytes. */
    public static int encodedLength(int keyLength) {
        return (keyLength / GROUP_SIZE + 1) * ENCODED_GROUP_SIZE;
    }

    /**
     * Decodes {@code encoded}, which must be exactly one encoded key.
     *
     * @throws CorruptRecordException when the bytes are not a valid encoding or have bytes after it
     */
    public static byte[] decode(byte[] encoded) {
        Decoded decoded = decodePrefix(encoded, encoded.length);
        if (decoded.encodedLength() != encoded.length) {
            throw new CorruptRecordException("memcomparable key followed by "
                    + (encoded.length - decoded.encodedLength()) + " stray bytes: " + hex(encoded));
        }
        return decoded.key();
    }

    /** A decoded key and how many encoded bytes it took. */
    public record Decoded(byte[] key, int encodedLength) {}

    /**
     * Decodes the one encoded key that starts {@code encoded[0, limit)}; bytes after it are left
     * alone (an MVCC key's timestamp follows there).
     *
     * @throws CorruptRecordException when the bytes are not a valid encoding
     */
    public static Decoded decodePrefix(byte[] encoded, int limit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(limit);
        int pos = 0;
        while (true) {
            if (pos + ENCODED_GROUP_SIZE > limit) {
                throw new CorruptRecordException(
                        "memcomparable key truncated at byte " + pos + " of " + limit + ": " + hex(encoded, limit));
            }
            int marker = encoded[pos + GROUP_SIZE] & 0xFF;
            int padCount = MARKER_FULL - marker;
            if (padCount > GROUP_SIZE) {
                throw new CorruptRecordException("memcomparable key has invalid group marker 0x"
                        + Integer.toHexString(marker) + " at byte " + (pos + GROUP_SIZE) + ": "
                        + hex(encoded, limit));
            }
            int dataBytes = GROUP_SIZE - padCount;
            out.write(encoded, pos, dataBytes);
            for (int i = pos + dataBytes; i < pos + GROUP_SIZE; i++) {
                if (encoded[i] != PAD) {
                    throw new CorruptRecordException(
                            "memcomparable key has non-zero padding at byte " + i + ": " + hex(encoded, limit));
                }
            }
            pos += ENCODED_GROUP_SIZE;
            if (padCount > 0) {
                return new Decoded(out.toByteArray(), pos);
            }
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

    /** Unsigned lexicographic order, the order of the engine. */
    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }
}
