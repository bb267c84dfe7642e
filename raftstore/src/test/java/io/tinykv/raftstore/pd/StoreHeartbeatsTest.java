package io.tinykv.raftstore.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Pdpb;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreHeartbeatsTest {

    @TempDir
    Path dir;

    @Test
    void statsNameTheStoreItsRegionsAndItsFiles() throws IOException {
        Files.write(dir.resolve("a"), new byte[100]);
        Files.createDirectories(dir.resolve("sub"));
        Files.write(dir.resolve("sub/b"), new byte[23]);
        Pdpb.StoreStats stats = StoreHeartbeats.gather(4, 17, dir);
        assertThat(stats.getStoreId()).isEqualTo(4);
        assertThat(stats.getRegionCount()).isEqualTo(17);
        assertThat(stats.getUsedSize()).isEqualTo(123);
        assertThat(stats.getCapacity()).isPositive();
        assertThat(stats.getAvailable()).isBetween(0L, stats.getCapacity());
    }

    @Test
    void aHeartbeatEveryStoreHeartbeatTicksCountingRegionsOnlyThen() throws IOException {
        try (var engines = TestEngines.open(dir)) {
            RaftstoreConfig config = RaftstoreConfig.defaults().withStoreHeartbeatTicks(3);
            List<Pdpb.StoreStats> sent = new ArrayList<>();
            SchedulerReporter reporter = new SchedulerReporter() {
                @Override
                public void regionHeartbeat(Pdpb.RegionHeartbeatRequest heartbeat) {
                    throw new AssertionError("no region heartbeats from a store");
                }

                @Override
                public void storeHeartbeat(Pdpb.StoreStats stats) {
                    sent.add(stats);
                }
            };
            List<Runnable> work = new ArrayList<>();
            StoreHeartbeats heartbeats = new StoreHeartbeats(2, engines, config, reporter, work::add);
            int[] asked = {0};
            for (int tick = 1; tick <= 7; tick++) {
                heartbeats.onTick(() -> ++asked[0]);
            }
            assertThat(asked[0]).as("region count read once per heartbeat").isEqualTo(2);
            assertThat(sent)
                    .as("gathered on the worker, not on the ticking thread")
                    .isEmpty();
            work.forEach(Runnable::run);
            assertThat(sent).extracting(Pdpb.StoreStats::getStoreId).containsExactly(2L, 2L);
            assertThat(sent).extracting(Pdpb.StoreStats::getRegionCount).containsExactly(1, 2);
        }
    }
}
