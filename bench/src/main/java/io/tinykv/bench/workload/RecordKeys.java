package io.tinykv.bench.workload;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark's record keys: a record index turned into a fixed-size key, the prefix {@code 'u'}
 * followed by the index in zero-padded decimal, so every key has exactly {@code keySizeBytes} bytes
 * and keys sort like their indexes. (Not an MVCC key encoding: that is {@code txn}'s business.)
 */
public record RecordKeys(int keySizeBytes) {

    private static final byte PREFIX = 'u';

    public RecordKeys {
        if (keySizeBytes < 2) {
            throw new IllegalArgumentException("key size must be at least 2 bytes, got " + keySizeBytes);
        }
    }

    /** The keys of {@code recordCount} records, checking that every index fits the key size. */
    public static RecordKeys forRecords(int keySizeBytes, long recordCount) {
        RecordKeys keys = new RecordKeys(keySizeBytes);
        int needed = Long.toString(Math.max(recordCount - 1, 0)).length() + 1;
        if (needed > keySizeBytes) {
            throw new IllegalArgumentException("key size " + keySizeBytes + " B is too small for " + recordCount
                    + " records; need at least " + needed + " B");
        }
        return keys;
    }

    /** The key of record {@code index}. */
    public byte[] key(long index) {
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
