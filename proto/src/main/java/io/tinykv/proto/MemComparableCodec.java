package io.tinykv.proto;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/**
 * TiKV's memcomparable encoding of byte strings ({@code codec::bytes::encode_bytes}): the form in which
 * the stores keep user keys, and the form in which a TiKV client in transactional mode (API V1) names
 * keys and region boundaries to PD. One copy for the stores, the scheduler and the client, kept beside
 * the wire schemas because every one of them already depends on this module and on nothing lower.
 *
 * <p>The key is cut into groups of {@value #GROUP_SIZE} bytes. Every group is written as its 8 bytes
 * (the last one padded with zeros) followed by a marker byte {@code 0xFF - padCount}. A key whose length
 * is a multiple of 8 (the empty key included) ends with an all-padding group, marker {@code 0xF7}.
 * Unsigned byte order of encodings equals unsigned byte order of keys, and no encoding is a prefix of
 * another, so anything appended (a timestamp) never changes the order between different keys.
 *
 * <p>Bytes that are not a valid encoding are refused with an {@link IllegalArgumentException} naming the
 * problem; each caller maps it to its own error at its edge (a corrupt record in a store, a client
 * error in the client).
 */
public final class MemComparableCodec {

    /** Bytes of key data per group. */
    public static final int GROUP_SIZE = 8;
    /** Encoded size of one group: data plus marker. */
    public static final int ENCODED_GROUP_SIZE = GROUP_SIZE + 1;
    /** The marker of a full group: no padding, more groups follow. */
    private static final int MARKER_FULL = 0xFF;

    private static final byte PAD = 0;

    private MemComparableCodec() {}

    /** The memcomparable encoding of {@code key}. */
    public static byte[] encode(byte[] key) {
        int groups = key.length / GROUP_SIZE + 1;
        byte[] out = new byte[groups * ENCODED_GROUP_SIZE];
        int in = 0;
        int pos = 0;
        for (int g = 0; g < groups; g++) {
            int take = Math.min(key.length - in, GROUP_SIZE);
            System.arraycopy(key, in, out, pos, take);
            in += take;
            // Bytes after the copied ones are already PAD (zero) in a fresh array.
            int padCount = GROUP_SIZE - take;
            out[pos + GROUP_SIZE] = (byte) (MARKER_FULL - padCount);
            pos += ENCODED_GROUP_SIZE;
        }
        return out;
    }

    /** {@link #encode(byte[])} for a protobuf key. */
    public static ByteString encode(ByteString key) {
        return ByteString.copyFrom(encode(key.toByteArray()));
    }

    /** The number of bytes {@link #encode} produces for a key of {@code keyLength} bytes. */
    public static int encodedLength(int keyLength) {
        return (keyLength / GROUP_SIZE + 1) * ENCODED_GROUP_SIZE;
    }

    /**
     * Decodes {@code encoded}, which must be exactly one encoded key.
     *
     * @throws IllegalArgumentException naming the problem when the bytes are not a valid encoding or have
     *     bytes after it
     */
    public static byte[] decode(byte[] encoded) {
        Decoded decoded = decodePrefix(encoded, encoded.length);
        if (decoded.encodedLength() != encoded.length) {
            throw invalid(
                    encoded, encoded.length, (encoded.length - decoded.encodedLength()) + " stray bytes after the key");
        }
        return decoded.key();
    }

    /** {@link #decode(byte[])} for a protobuf key. */
    public static ByteString decode(ByteString encoded) {
        return ByteString.copyFrom(decode(encoded.toByteArray()));
    }

    /** A decoded key and how many encoded bytes it took. */
    public record Decoded(byte[] key, int encodedLength) {}

    /**
     * Decodes the one encoded key that starts {@code encoded[0, limit)}; bytes after it are left alone (an
     * MVCC key's timestamp follows there).
     *
     * @throws IllegalArgumentException naming the problem when the bytes are not a valid encoding
     */
    public static Decoded decodePrefix(byte[] encoded, int limit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(limit);
        int pos = 0;
        while (true) {
            if (pos + ENCODED_GROUP_SIZE > limit) {
                throw invalid(encoded, limit, "truncated at byte " + pos + " of " + limit);
            }
            int marker = encoded[pos + GROUP_SIZE] & 0xFF;
            int padCount = MARKER_FULL - marker;
            if (padCount > GROUP_SIZE) {
                throw invalid(
                        encoded,
                        limit,
                        "invalid group marker 0x" + Integer.toHexString(marker) + " at byte " + (pos + GROUP_SIZE));
            }
            int dataBytes = GROUP_SIZE - padCount;
            out.write(encoded, pos, dataBytes);
            for (int i = pos + dataBytes; i < pos + GROUP_SIZE; i++) {
                if (encoded[i] != PAD) {
                    throw invalid(encoded, limit, "non-zero padding at byte " + i);
                }
            }
            pos += ENCODED_GROUP_SIZE;
            if (padCount > 0) {
                return new Decoded(out.toByteArray(), pos);
            }
        }
    }

    private static IllegalArgumentException invalid(byte[] encoded, int limit, String problem) {
        return new IllegalArgumentException("not a memcomparable-encoded key (" + problem + "): "
                + HexFormat.of().formatHex(encoded, 0, limit));
    }
}
