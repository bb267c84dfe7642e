package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import java.util.Comparator;
import java.util.HexFormat;

/** Key order and printing: keys compare as unsigned bytes; an empty end key means plus infinity. */
final class Keys {

    static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

    private Keys() {}

    static int compare(ByteString a, ByteString b) {
        return ORDER.compare(a, b);
    }

    /** Compares two end keys, where empty is the largest. */
    static int compareEnd(ByteString a, ByteString b) {
        if (a.isEmpty() || b.isEmpty()) {
            return Boolean.compare(a.isEmpty(), b.isEmpty());
        }
        return ORDER.compare(a, b);
    }

    static String hex(ByteString key) {
        return key.isEmpty() ? "\"\"" : HexFormat.of().formatHex(key.toByteArray());
    }
}
