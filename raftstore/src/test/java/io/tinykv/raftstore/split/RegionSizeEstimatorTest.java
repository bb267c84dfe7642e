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

class RegionSizeEstimatorTest {

    @TempDir
    Path dir;

    private static void put(EngineWriteBatch wb, Cf cf, String key, String value) {
        wb.put(cf, Keys.dataKey(key.getBytes(StandardCharsets.UTF_8)), value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void countsKeyAndValueBytesOfEveryCfInTheRangeAndTheLargerOfDefaultAndWriteKeys() {
        try (Engines engines = TestEngines.open(dir)) {
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                put(wb, Cf.DEFAULT, "a", "outside");
                put(wb, Cf.DEFAULT, "b1", "xyz"); // 2 + 3
                put(wb, Cf.DEFAULT, "b2", ""); // 2 + 0
                put(wb, Cf.LOCK, "b3", "lock"); // 2 + 4
                put(wb, Cf.WRITE, "b4", "w"); // 2 + 1
                put(wb, Cf.DEFAULT, "c", "outside too");
                engines.kv().write(wb, true);
            }
            Metapb.Region region = TestEngines.region(1, 1, 1).toBuilder()
                    .setStartKey(ByteString.copyFromUtf8("b"))
                    .setEndKey(ByteString.copyFromUtf8("c"))
                    .build();
            RegionSizeEstimator.Estimate estimate = RegionSizeEstimator.estimate(engines, region);
            assertThat(estimate.sizeBytes()).isEqualTo(5 + 2 + 6 + 3);
            assertThat(estimate.keys()).isEqualTo(2);

            Metapb.Region everything = TestEngines.region(1, 1, 1);
            RegionSizeEstimator.Estimate all = RegionSizeEstimator.estimate(engines, everything);
            assertThat(all.keys()).isEqualTo(4);
            assertThat(all.sizeBytes()).isEqualTo(16 + (1 + 7) + (1 + 11));
        }
    }
}
