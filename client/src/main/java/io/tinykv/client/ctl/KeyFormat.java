package io.tinykv.client.ctl;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * How keys and values are written on the command line and printed: as text, hex or base64.
 *
 * <p>Text input is taken as UTF-8 as typed (no escapes: use {@link #HEX} or {@link #BASE64} for binary).
 * Text output shows valid UTF-8 as is, except that backslash and control characters are escaped ({@code
 * \\}, {@code \n}, {@code \t}, {@code \r}, {@code \xNN}); bytes that are not valid UTF-8 show as
 * printable ASCII or {@code \xNN}. So every printed line is one key or value, whatever its bytes.
 */
enum KeyFormat {
    TEXT {
        @Override
        ByteString parse(String what, String input) {
            return ByteString.copyFromUtf8(input);
        }

        @Override
        String format(ByteString bytes) {
            try {
                String text = StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes.toByteArray()))
                        .toString();
                return escapeText(text);
            } catch (CharacterCodingException e) {
                return escapeBytes(bytes);
            }
        }
    },
    HEX {
        @Override
        ByteString parse(String what, String input) {
            String digits = input.startsWith("0x") || input.startsWith("0X") ? input.substring(2) : input;
            try {
                return ByteString.copyFrom(HexFormat.of().parseHex(digits));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        what + " '" + input + "' is not hex (an even number of 0-9a-f digits)");
            }
        }

        @Override
        String format(ByteString bytes) {
            return HexFormat.of().formatHex(bytes.toByteArray());
        }
    },
    BASE64 {
        @Override
        ByteString parse(String what, String input) {
            try {
                return ByteString.copyFrom(Base64.getDecoder().decode(input));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(what + " '" + input + "' is not base64");
            }
        }

        @Override
        String format(ByteString bytes) {
            return Base64.getEncoder().encodeToString(bytes.toByteArray());
        }
    };

    private static final int FIRST_PRINTABLE_ASCII = 0x20;
    private static final int DELETE = 0x7f;
    private static final int LAST_C1_CONTROL = 0x9f;

    /**
     * Reads a key or value.
     *
     * @param what names the argument in the error message, e.g. "key"
     * @throws IllegalArgumentException naming the argument when the input is not in this format
     */
    abstract ByteString parse(String what, String input);

    abstract String format(ByteString bytes);

    private static String escapeText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            switch (cp) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                    if (cp < FIRST_PRINTABLE_ASCII || (cp >= DELETE && cp <= LAST_C1_CONTROL)) {
                        out.append(String.format("\\x%02x", cp));
                    } else {
                        out.appendCodePoint(cp);
                    }
                }
            }
        });
        return out.toString();
    }

    private static String escapeBytes(ByteString bytes) {
        StringBuilder out = new StringBuilder(bytes.size());
        for (int i = 0; i < bytes.size(); i++) {
            int b = bytes.byteAt(i) & 0xff;
            if (b == '\\') {
                out.append("\\\\");
            } else if (b >= FIRST_PRINTABLE_ASCII && b < DELETE) {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02x", b));
            }
        }
        return out.toString();
    }
}
