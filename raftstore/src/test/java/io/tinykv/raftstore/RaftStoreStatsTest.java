package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Modify;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch system's counters add up: every write is persisted in some synced batch and applied. */
class RaftStoreStatsTest {

    private static final long STORE_ID = 1;
    private static final int WRITES_PER_REGION = 20;

    @TempDir
    Path dir;

    @Test
    void everyWriteIsCountedInASyncedBatchAndAsApplied() {
        Metapb.Region left = TestEngines.region(1, 1, STORE_ID).toBuilder()
                .setEndKey(ByteString.copyFromUtf8("m")).build();
        Metapb.Region right = TestEngines.region(2, 2, STORE_ID).toBuilder()
                .setStartKey(ByteString.copyFromUtf8("m")).build();
        try (Engines fresh = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(fresh, 1, STORE_ID);
            RaftStore.bootstrapRegion(fresh, left);
            RaftStore.bootstrapRegion(fresh, right);
        }
        try (Engines engines = TestEngines.open(dir)) {
            Transport nowhere = message -> {
                throw new AssertionError("one-peer regions send no messages, got " + message);
            };
            RaftStore store = new RaftStore(STORE_ID, engines, RaftstoreConfig.defaults(), nowhere, Runnable::run,
                    new SplittableRandom(1));
            RaftStoreDriver driver = new RaftStoreDriver(store, 10, System::nanoTime,
                    Thread.ofPlatform().name("raft-store-stats").factory());
            try {
                RaftStorage storage = new RaftStorage(store, Duration.ofSeconds(30));
                RaftStoreStats.Snapshot before = store.stats().snapshot();
                for (int i = 0; i < WRITES_PER_REGION; i++) {
                    storage.write(context(left), List.of(put("a" + i)));
                    storage.write(context(right), List.of(put("x" + i)));
                }
                RaftStoreStats.Snapshot delta = store.stats().snapshot().minus(before);

                assertThat(delta.entriesPersisted()).isGreaterThanOrEqualTo(2 * WRITES_PER_REGION);
                assertThat(delta.entriesApplied()).isGreaterThanOrEqualTo(2 * WRITES_PER_REGION);
                assertThat(delta.syncedRaftWrites()).isPositive().isLessThanOrEqualTo(delta.pollRounds());
                assertThat(delta.readysPersisted()).isGreaterThanOrEqualTo(delta.syncedRaftWrites());
                assertThat(delta.readysPerSyncedWrite()).isBetween(1.0, 2.0);
                assertThat(delta.entriesPerSyncedWrite()).isGreaterThan(0.0);
            } finally {
                driver.close();
            }
        }
    }

    private static Kvrpcpb.Context context(Metapb.Region region) {
        return Kvrpcpb.Context.newBuilder().setRegionId(region.getId()).setPeer(region.getPeers(0))
                .setRegionEpoch(region.getRegionEpoch()).build();
    }

    private static Modify put(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return new Modify.Put(Cf.DEFAULT, k, k);
    }
}
