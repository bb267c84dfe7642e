package io.tinykv.client;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.Objects;

/**
 * Key order and range helpers. Keys compare as unsigned bytes, the order of the store; an empty end
 * key means "no upper bound".
 */
public final class Keys {
    public static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private static final int FIRST_PRINTABLE_ASCII = 0x20;
    private static final int DELETE = 0x7f;

    private Keys() {}

    public static int compare(ByteString a, ByteString b) {
        return ORDER.compare(a, b);
    }

    /** Whether {@code key} lies below the exclusive {@code end}, where empty means unbounded. */
    public static boolean belowEnd(ByteString key, ByteString end) {
        return end.isEmpty() || compare(key, end) < 0;
    }

    /** The smaller of two exclusive end keys (empty = unbounded). */
    public static ByteString minEnd(ByteString a, ByteString b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return compare(a, b) <= 0 ? a : b;
    }

    /** The larger of two inclusive start keys. */
    public static ByteString maxStart(ByteString a, ByteString b) {
        return compare(a, b) >= 0 ? a : b;
    }

    /** The smallest key greater than {@code key}: the key with a zero byte appended. */
    public static ByteString next(ByteString key) {
        return key.concat(ByteString.copyFrom(new byte[] {0}));
    }

    /**
     * Checks the arguments of a range scan as every client checks them: both bounds given, a positive
     * limit, and a start not after a bounded end.
     *
     * @throws IllegalArgumentException naming the argument that is wrong
     */
    public static void checkScanArguments(ByteString startKey, ByteString endKey, int limit) {
        Objects.requireNonNull(startKey, "startKey");
        Objects.requireNonNull(endKey, "endKey");
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be > 0, got " + limit);
        }
        if (!endKey.isEmpty() && compare(startKey, endKey) > 0) {
            throw new IllegalArgumentException(
                    "scan range [" + describe(startKey) + ", " + describe(endKey) + ") has its start after its end");
        }
    }

    /** A key for messages: printable ASCII as is, everything else as \xNN. */
    public static String describe(ByteString key) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < key.size(); i++) {
            int b = key.byteAt(i) & 0xff;
            if (b >= FIRST_PRINTABLE_ASCII && b < DELETE && b != '"' && b != '\\') {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02x", b));
            }
        }
        return out.append('"').toString();
    }
}
