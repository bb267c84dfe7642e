package io.tinykv.bench.workload;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a record index into a fixed-size key: the prefix {@code 'u'} followed by the index in
 * zero-padded decimal, so every key has exactly {@code keySizeBytes} bytes and keys sort like their
 * indexes.
 */
public record KeyCodec(int keySizeBytes) {

    private static final byte PREFIX = 'u';

    public KeyCodec {
        if (keySizeBytes < 2) {
            throw new IllegalArgumentException("key size must be at least 2 bytes, got " + keySizeBytes);
        }
    }

    /** A codec for {@code recordCount} records, checking that every index fits the key size. */
    public static KeyCodec forRecords(int keySizeBytes, long recordCount) {
        KeyCodec codec = new KeyCodec(keySizeBytes);
        int needed = Long.toString(Math.max(recordCount - 1, 0)).length() + 1;
        if (needed > keySizeBytes) {
            throw new IllegalArgumentException("key size " + keySizeBytes + " B is too small for " + recordCount
                    + " records; need at least " + needed + " B");
        }
        return codec;
    }

    public byte[] encode(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("record index must not be negative, got " + index);
        }
        byte[] key = new byte[keySizeBytes];
        Arrays.fill(key, (byte) '0');
        key[0] = PREFIX;
        byte[] digits = Long.toString(index).getBytes(StandardCharsets.US_ASCII);
        if (digits.length > keySizeBytes - 1) {
            throw new IllegalArgumentException(
                    "record index " + index + " does not fit a " + keySizeBytes + "-byte key");
        }
        System.arraycopy(digits, 0, key, keySizeBytes - digits.length, digits.length);
        return key;
    }
}
