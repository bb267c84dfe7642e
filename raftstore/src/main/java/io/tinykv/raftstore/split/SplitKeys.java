package io.tinykv.raftstore.split;

import java.util.Arrays;

/**
 * Where a region may be cut, as TiKV's API V1 has it: a split key is a whole user key as the engine
 * stores it, never a key between two versions of one user key. Transactional engine keys are a
 * memcomparable-encoded user key ({@code proto}'s {@code MemComparableCodec}) followed, in the {@code default} and
 * {@code write} column families, by an 8-byte timestamp; the split key drawn from such a key is the
 * encoded user key without the timestamp, which sorts before every version and the lock of that user
 * key, so all of them go to the same side. In a cluster of transactional data every region boundary is
 * therefore an encoded user key, the form TiKV clients in transactional mode ask PD with and decode
 * region boundaries from.
 *
 * <p>A raw key that is not an encoded key followed by exactly a timestamp is a split key as it is.
 * A raw key that happens to look like one is cut to its encoded prefix, which is still a key of the raw
 * key space between the same neighbours (TiKV's split observer does the same, whatever the cluster
 * holds).
 */
final class SplitKeys {

    /** Bytes of a key per memcomparable group, then one marker byte. */
    private static final int GROUP_BYTES = 8;

    private static final int ENCODED_GROUP_BYTES = GROUP_BYTES + 1;
    private static final int MARKER_FULL = 0xFF;
    /** The timestamp that follows an encoded user key in the default and write column families. */
    static final int TIMESTAMP_BYTES = Long.BYTES;

    private SplitKeys() {}

    /** The split key for a region cut just before the engine key {@code key} (no data prefix). */
    static byte[] boundaryBefore(byte[] key) {
        int encoded = encodedPrefixLength(key);
        if (encoded > 0 && key.length - encoded == TIMESTAMP_BYTES) {
            return Arrays.copyOf(key, encoded);
        }
        return key;
    }

    /**
     * The length of the valid memcomparable encoding that starts {@code key}, or 0 when it does not start
     * with one.
     */
    static int encodedPrefixLength(byte[] key) {
        int pos = 0;
        while (pos + ENCODED_GROUP_BYTES <= key.length) {
            int padCount = MARKER_FULL - (key[pos + GROUP_BYTES] & 0xFF);
            if (padCount > GROUP_BYTES) {
                return 0;
            }
            for (int i = pos + GROUP_BYTES - padCount; i < pos + GROUP_BYTES; i++) {
                if (key[i] != 0) {
                    return 0;
                }
            }
            pos += ENCODED_GROUP_BYTES;
            if (padCount > 0) {
                return pos;
            }
        }
        return 0;
    }
}
