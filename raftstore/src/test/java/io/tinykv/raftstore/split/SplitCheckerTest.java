package io.tinykv.raftstore.split;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the {@link SplitChecker} measures and where it cuts. */
class SplitCheckerTest {

    @TempDir
    Path dir;

    /** Ten raw pairs k0..k9 of 100 bytes each (a 2-byte key and a 98-byte value). */
    private static void writeTenPairs(Engines engines, Metapb.Region region) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            for (int i = 0; i < 10; i++) {
                wb.put(Cf.DEFAULT, Keys.dataKey(("k" + i).getBytes(StandardCharsets.UTF_8)), new byte[98]);
            }
            engines.kv().write(wb, false);
        }
    }

    private static ByteString key(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Test
    void aRegionBeyondTheMaxSizeIsCutAtSplitSizeSteps() {
        try (Engines engines = TestEngines.open(dir)) {
            Metapb.Region region = TestEngines.region(1, 1);
            writeTenPairs(engines, region);
            // 1,000 bytes: beyond 900, cut every 300.
            SplitCheckConfig config = SplitCheckConfig.defaults().withSizes(900, 300);
            SplitChecker.Measure m = SplitChecker.measure(engines, region, config);
            assertThat(m.sizeBytes()).isEqualTo(1_000);
            assertThat(m.keys()).isEqualTo(10);
            assertThat(m.splitKeys()).containsExactly(key("k3"), key("k6"), key("k9"));
        }
    }

    @Test
    void aRegionWithinItsLimitsIsNotCutAndKeysCountToo() {
        try (Engines engines = TestEngines.open(dir)) {
            Metapb.Region region = TestEngines.region(1, 1);
            writeTenPairs(engines, region);
            assertThat(SplitChecker.measure(
                                    engines, region, SplitCheckConfig.defaults().withSizes(1_000, 300))
                            .splitKeys())
                    .as("exactly at the max is not beyond it")
                    .isEmpty();
            assertThat(SplitChecker.measure(
                                    engines, region, SplitCheckConfig.defaults().withKeys(8, 4))
                            .splitKeys())
                    .as("10 keys beyond 8, cut every 4")
                    .containsExactly(key("k4"), key("k8"));
        }
    }

    @Test
    void onlyTheRegionsOwnRangeIsMeasured() {
        try (Engines engines = TestEngines.open(dir)) {
            Metapb.Region all = TestEngines.region(1, 1);
            writeTenPairs(engines, all);
            Metapb.Region part =
                    all.toBuilder().setStartKey(key("k5")).setEndKey(key("k8")).build();
            SplitChecker.Measure m = SplitChecker.measure(
                    engines, part, SplitCheckConfig.defaults().withKeys(2, 1));
            assertThat(m.keys()).isEqualTo(3);
            assertThat(m.splitKeys()).containsExactly(key("k6"), key("k7"));
        }
    }

    /** TiKV's memcomparable encoding of a user key (groups of 8 bytes, each followed by 0xFF minus its padding). */
    private static byte[] encode(String userKey) {
        byte[] raw = userKey.getBytes(StandardCharsets.UTF_8);
        int groups = raw.length / 8 + 1;
        byte[] out = new byte[groups * 9];
        for (int g = 0; g < groups; g++) {
            int take = Math.min(8, raw.length - g * 8);
            System.arraycopy(raw, g * 8, out, g * 9, take);
            out[g * 9 + 8] = (byte) (0xFF - (8 - take));
        }
        return out;
    }

    private static byte[] withTs(byte[] encoded, long ts) {
        return java.nio.ByteBuffer.allocate(encoded.length + 8)
                .put(encoded)
                .putLong(~ts)
                .array();
    }

    /**
     * Transactional data: ten user keys of three versions each (write records), a large value in
     * default for every version, and a lock on some: every cut is an encoded user key without a
     * timestamp, so all versions and the lock of a key stay in one region.
     */
    @Test
    void transactionalDataIsCutAtEncodedUserKeysNeverBetweenVersions() {
        try (Engines engines = TestEngines.open(dir)) {
            Metapb.Region region = TestEngines.region(1, 1);
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                for (int i = 0; i < 10; i++) {
                    byte[] user = encode("txn-key-" + i);
                    for (long ts = 10; ts <= 30; ts += 10) {
                        wb.put(Cf.WRITE, Keys.dataKey(withTs(user, ts + 1)), new byte[10]);
                        wb.put(Cf.DEFAULT, Keys.dataKey(withTs(user, ts)), new byte[300]);
                    }
                    if (i % 3 == 0) {
                        wb.put(Cf.LOCK, Keys.dataKey(user), new byte[20]);
                    }
                }
                engines.kv().write(wb, false);
            }
            // Cut every two entries: most cuts would land between versions without the rule.
            SplitChecker.Measure m = SplitChecker.measure(
                    engines, region, SplitCheckConfig.defaults().withKeys(4, 2));
            assertThat(m.keys()).as("write and default entries").isEqualTo(60);
            assertThat(m.splitKeys())
                    .as("one cut per user key after the first")
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(1, 10)
                            .mapToObj(i -> ByteString.copyFrom(encode("txn-key-" + i)))
                            .toList());
        }
    }

    /** A cut inside a region that starts at an encoded user key never lands on the region's own start. */
    @Test
    void aCutIsAlwaysAboveTheRegionsStart() {
        try (Engines engines = TestEngines.open(dir)) {
            byte[] user = encode("only");
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                for (long ts = 1; ts <= 20; ts++) {
                    wb.put(Cf.WRITE, Keys.dataKey(withTs(user, ts)), new byte[10]);
                }
                engines.kv().write(wb, false);
            }
            Metapb.Region region = TestEngines.region(1, 1).toBuilder()
                    .setStartKey(ByteString.copyFrom(user))
                    .build();
            SplitChecker.Measure m = SplitChecker.measure(
                    engines, region, SplitCheckConfig.defaults().withKeys(4, 2));
            assertThat(m.keys()).isEqualTo(20);
            assertThat(m.splitKeys())
                    .as("twenty versions of one key cannot be cut")
                    .isEmpty();
        }
    }

    @Test
    void aRawKeyIsCutOnlyWhenItIsAnEncodedKeyAndATimestamp() {
        byte[] encoded = encode("abc");
        assertThat(SplitKeys.boundaryBefore(withTs(encoded, 7))).isEqualTo(encoded);
        assertThat(SplitKeys.boundaryBefore(encoded))
                .as("a lock key is a user key already")
                .isEqualTo(encoded);
        byte[] raw = "plain raw key!".getBytes(StandardCharsets.UTF_8);
        assertThat(SplitKeys.boundaryBefore(raw)).isEqualTo(raw);
        byte[] sevenBytesAfter = java.util.Arrays.copyOf(withTs(encoded, 7), encoded.length + 7);
        assertThat(SplitKeys.boundaryBefore(sevenBytesAfter)).isEqualTo(sevenBytesAfter);
    }
}
