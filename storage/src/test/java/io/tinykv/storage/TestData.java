package io.tinykv.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small helpers shared by the storage tests. */
final class TestData {

    private static final long MIB = 1024L * 1024L;

    /** Small sizes: tests open many engines and must stay light on a shared machine. */
    static final EngineConfig SMALL_CONFIG = EngineConfig.defaults()
            .withBlockCacheSizeBytes(8 * MIB)
            .withWriteBufferSizeBytes(4 * MIB)
            .withRaftWriteBufferSizeBytes(4 * MIB);

    private TestData() {}

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** Every key of the iterator from its current position forwards, as strings. */
    static List<String> keysForward(KvIterator it) {
        List<String> keys = new ArrayList<>();
        for (; it.valid(); it.next()) {
            keys.add(string(it.key()));
        }
        return keys;
    }

    /** Every key of the iterator from its current position backwards, as strings. */
    static List<String> keysBackward(KvIterator it) {
        List<String> keys = new ArrayList<>();
        for (; it.valid(); it.prev()) {
            keys.add(string(it.key()));
        }
        return keys;
    }
}
