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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The batch system's counters add up: every write is persisted in some synced batch and applied. */
class RaftStoreStatsTest {

    private static final long STORE_ID = 1;
    private static final int WRITES_PER_REGION = 20;
    private static final long TICK_INTERVAL_MS = 10;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private static final Metapb.Region LEFT = TestEngines.region(1, 1, STORE_ID).toBuilder()
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();
    private static final Metapb.Region RIGHT = TestEngines.region(2, 2, STORE_ID).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("m"))
            .build();

    @TempDir
    Path dir;

    @Test
    void everyWriteIsCountedInASyncedBatchAndAsApplied() {
        bootstrap();
        try (Engines engines = TestEngines.open(dir)) {
            RaftStore store = newStore(engines);
            // Both snapshots are taken while no Raft thread runs (before it starts, after it has
            // stopped), so the counters compared below are final, not caught mid-round.
            RaftStoreStats.Snapshot before = store.stats().snapshot();
            RaftStoreDriver driver = startDriver(store);
            try {
                writeToBothRegions(store);
            } finally {
                driver.close();
            }
            assertThat(driver.failure()).isNull();
            RaftStoreStats.Snapshot delta = store.stats().snapshot().minus(before);

            assertThat(delta.entriesPersisted()).isGreaterThanOrEqualTo(2 * WRITES_PER_REGION);
            assertThat(delta.entriesApplied()).isGreaterThanOrEqualTo(2 * WRITES_PER_REGION);
            // A round makes at most one synced write.
            assertThat(delta.syncedRaftWrites()).isPositive().isLessThanOrEqualTo(delta.pollRounds());
            assertThat(delta.readysPersisted()).isGreaterThanOrEqualTo(delta.syncedRaftWrites());
            assertThat(delta.readysPerRaftWrite()).isBetween(1.0, 2.0);
            assertThat(delta.entriesPerSyncedWrite()).isGreaterThan(0.0);
        }
    }

    /**
     * Regression: the counters used to be read one by one while the Raft thread was mid-round, so
     * a reader could see a round's synced write without the round itself (41 writes in 40 rounds).
     */
    @Test
    void aSnapshotTakenWhileRoundsRunHoldsTheCountersOfOneInstant() throws InterruptedException {
        bootstrap();
        try (Engines engines = TestEngines.open(dir)) {
            RaftStore store = newStore(engines);
            RaftStoreDriver driver = startDriver(store);
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong samples = new AtomicLong();
            List<RaftStoreStats.Snapshot> torn = new CopyOnWriteArrayList<>();
            // Compares each sample with the one before: what happened between two snapshots must
            // add up as well as what each snapshot holds.
            Thread reader = Thread.ofPlatform().name("stats-reader").start(() -> {
                RaftStoreStats.Snapshot previous = store.stats().snapshot();
                while (writing.get()) {
                    RaftStoreStats.Snapshot current = store.stats().snapshot();
                    samples.incrementAndGet();
                    RaftStoreStats.Snapshot delta = current.minus(previous);
                    if (!addsUp(current) || !addsUp(delta)) {
                        torn.add(delta);
                    }
                    previous = current;
                }
            });
            try {
                writeToBothRegions(store);
            } finally {
                writing.set(false);
                reader.join();
                driver.close();
            }
            assertThat(driver.failure()).isNull();
            assertThat(samples.get()).isPositive();
            assertThat(torn).isEmpty();
        }
    }

    /** At most one synced write per round, at least one Ready per synced write. */
    private static boolean addsUp(RaftStoreStats.Snapshot s) {
        return s.syncedRaftWrites() <= s.pollRounds() && s.readysPersisted() >= s.syncedRaftWrites();
    }

    private void bootstrap() {
        try (Engines fresh = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(fresh, 1, STORE_ID);
            RaftStore.bootstrapRegion(fresh, LEFT);
            RaftStore.bootstrapRegion(fresh, RIGHT);
        }
    }

    private static RaftStore newStore(Engines engines) {
        Transport nowhere = message -> {
            throw new AssertionError("one-peer regions send no messages, got " + message);
        };
        return new RaftStore(
                STORE_ID, engines, RaftstoreConfig.defaults(), nowhere, Runnable::run, new SplittableRandom(1));
    }

    private static RaftStoreDriver startDriver(RaftStore store) {
        return new RaftStoreDriver(
                store,
                TICK_INTERVAL_MS,
                System::nanoTime,
                Thread.ofPlatform().name("raft-store-stats").factory());
    }

    private static void writeToBothRegions(RaftStore store) {
        RaftStorage storage = new RaftStorage(store, COMMAND_TIMEOUT);
        for (int i = 0; i < WRITES_PER_REGION; i++) {
            storage.write(context(LEFT), List.of(put("a" + i)));
            storage.write(context(RIGHT), List.of(put("x" + i)));
        }
    }

    private static Kvrpcpb.Context context(Metapb.Region region) {
        return Kvrpcpb.Context.newBuilder()
                .setRegionId(region.getId())
                .setPeer(region.getPeers(0))
                .setRegionEpoch(region.getRegionEpoch())
                .build();
    }

    private static Modify put(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return new Modify.Put(Cf.DEFAULT, k, k);
    }
}
