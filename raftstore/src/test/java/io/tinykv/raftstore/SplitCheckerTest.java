package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
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
            assertThat(SplitChecker.measure(engines, region, SplitCheckConfig.defaults().withSizes(1_000, 300))
                    .splitKeys()).as("exactly at the max is not beyond it").isEmpty();
            assertThat(SplitChecker.measure(engines, region, SplitCheckConfig.defaults().withKeys(8, 4)).splitKeys())
                    .as("10 keys beyond 8, cut every 4").containsExactly(key("k4"), key("k8"));
        }
    }

    @Test
    void onlyTheRegionsOwnRangeIsMeasured() {
        try (Engines engines = TestEngines.open(dir)) {
            Metapb.Region all = TestEngines.region(1, 1);
            writeTenPairs(engines, all);
            Metapb.Region part = all.toBuilder().setStartKey(key("k5")).setEndKey(key("k8")).build();
            SplitChecker.Measure m = SplitChecker.measure(engines, part, SplitCheckConfig.defaults().withKeys(2, 1));
            assertThat(m.keys()).isEqualTo(3);
            assertThat(m.splitKeys()).containsExactly(key("k6"), key("k7"));
        }
    }

    /** Transactional engine keys are encoded with versions, region boundaries are raw: not split. */
    @Test
    void aRegionHoldingTransactionalDataIsNotCut() {
        try (Engines engines = TestEngines.open(dir)) {
            Metapb.Region region = TestEngines.region(1, 1);
            writeTenPairs(engines, region);
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                wb.put(Cf.WRITE, Keys.dataKey("k0-version".getBytes(StandardCharsets.UTF_8)), new byte[8]);
                engines.kv().write(wb, false);
            }
            SplitChecker.Measure m = SplitChecker.measure(engines, region, SplitCheckConfig.defaults().withKeys(2, 1));
            assertThat(m.transactional()).isTrue();
            assertThat(m.splitKeys()).isEmpty();
        }
    }
}
