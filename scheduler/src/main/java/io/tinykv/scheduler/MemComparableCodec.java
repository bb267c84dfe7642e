package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;

/**
 * TiKV's memcomparable encoding of byte strings ({@code codec::bytes::encode_bytes}), in which a
 * TiKV client in transactional mode (API V1) names keys and region boundaries to PD.
 *
 * <p>The key is cut into groups of {@value #GROUP_BYTES} bytes; each group is written as its
 * bytes, zero-padded to {@value #GROUP_BYTES}, followed by the marker {@code 0xFF - padCount}. A key
 * whose length is a multiple of 8 (the empty key included) ends with an all-padding group (marker
 * {@code 0xF7}). The order of encodings equals the order of the keys.
 *
 * <p>The scheduler keeps its own copy of this small codec rather than depending on the {@code txn}
 * module (dependencies point downwards only); tests pin it to fixed vectors.
 */
public final class MemComparableCodec {

    static final int GROUP_BYTES = 8;
    private static final int ENCODED_GROUP_BYTES = GROUP_BYTES + 1;
    private static final int MARKER_FULL = 0xFF;

    private MemComparableCodec() {}

    public static ByteString encode(ByteString key) {
        int groups = key.size() / GROUP_BYTES + 1;
        byte[] out = new byte[groups * ENCODED_GROUP_BYTES];
        int in = 0;
        for (int g = 0; g < groups; g++) {
            int take = Math.min(key.size() - in, GROUP_BYTES);
            key.substring(in, in + take).copyTo(out, g * ENCODED_GROUP_BYTES);
            in += take;
            // The padding bytes are already zero in a fresh array.
            out[g * ENCODED_GROUP_BYTES + GROUP_BYTES] = (byte) (MARKER_FULL - (GROUP_BYTES - take));
        }
        return ByteString.copyFrom(out);
    }

    /**
     * Decodes exactly one encoded key.
     *
     * @throws IllegalArgumentException naming the problem when {@code encoded} is not one valid encoding
     */
    public static ByteString decode(ByteString encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.size());
        int pos = 0;
        while (true) {
            if (pos + ENCODED_GROUP_BYTES > encoded.size()) {
                throw invalid(encoded, "truncated at byte " + pos);
            }
            int marker = encoded.byteAt(pos + GROUP_BYTES) & 0xFF;
            int padCount = MARKER_FULL - marker;
            if (padCount > GROUP_BYTES) {
                throw invalid(
                        encoded,
                        "invalid group marker 0x" + Integer.toHexString(marker) + " at byte " + (pos + GROUP_BYTES));
            }
            int dataBytes = GROUP_BYTES - padCount;
            for (int i = pos; i < pos + dataBytes; i++) {
                out.write(encoded.byteAt(i));
            }
            for (int i = pos + dataBytes; i < pos + GROUP_BYTES; i++) {
                if (encoded.byteAt(i) != 0) {
                    throw invalid(encoded, "non-zero padding at byte " + i);
                }
            }
            pos += ENCODED_GROUP_BYTES;
            if (padCount > 0) {
                if (pos != encoded.size()) {
                    throw invalid(encoded, (encoded.size() - pos) + " stray bytes after the key");
                }
                return ByteString.copyFrom(out.toByteArray());
            }
        }
    }

    private static IllegalArgumentException invalid(ByteString encoded, String problem) {
        return new IllegalArgumentException("not a memcomparable-encoded key (" + problem + "): "
                + HexFormat.of().formatHex(encoded.toByteArray()));
    }
}
