package io.tinykv.scheduler.dashboard;

import com.google.protobuf.ByteString;
import java.util.HexFormat;

/**
 * How the page and the API print keys: printable ASCII as is, any other byte as {@code \xNN}, so
 * that keys written by {@code tinykv ctl put} read as typed and binary keys stay unambiguous; and
 * how they read them back (text with the same escapes, or hex).
 */
final class KeyText {

    private static final int FIRST_PRINTABLE = 0x20;
    private static final int LAST_PRINTABLE = 0x7e;
    private static final int HEX_RADIX = 16;

    private KeyText() {}

    static String show(ByteString key) {
        StringBuilder b = new StringBuilder(key.size());
        for (int i = 0; i < key.size(); i++) {
            int c = key.byteAt(i) & 0xff;
            if (c >= FIRST_PRINTABLE && c <= LAST_PRINTABLE && c != '\\') {
                b.append((char) c);
            } else if (c == '\\') {
                b.append("\\\\");
            } else {
                b.append(String.format("\\x%02x", c));
            }
        }
        return b.toString();
    }

    static String hex(ByteString key) {
        return HexFormat.of().formatHex(key.toByteArray());
    }

    /**
     * Reads a key given as text (with {@link #show}'s escapes) or, with {@code hex}, as hex digits.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static ByteString parse(String text, boolean hex) {
        if (hex) {
            try {
                return ByteString.copyFrom(HexFormat.of().parseHex(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid hex key '" + text + "': " + e.getMessage());
            }
        }
        ByteString.Output out = ByteString.newOutput(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < text.length() && text.charAt(i + 1) == '\\') {
                out.write('\\');
                i++;
            } else if (c == '\\' && i + 3 < text.length() && text.charAt(i + 1) == 'x') {
                try {
                    out.write(Integer.parseInt(text.substring(i + 2, i + 4), HEX_RADIX));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(
                            "invalid escape in key '" + text + "' at " + i + ": expected \\xNN with two hex digits");
                }
                i += 3;
            } else if (c > LAST_PRINTABLE) {
                int codePoint = text.codePointAt(i);
                byte[] utf8 =
                        new String(Character.toChars(codePoint)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.write(utf8, 0, utf8.length);
                i += Character.charCount(codePoint) - 1;
            } else {
                out.write(c);
            }
        }
        return out.toByteString();
    }
}
