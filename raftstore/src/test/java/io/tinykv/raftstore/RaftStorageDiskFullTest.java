package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.space.DiskSpaceGuard;
import io.tinykv.storage.space.DiskUsage;
import io.tinykv.storage.space.ReserveSpace;
import io.tinykv.storage.space.SpaceStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RaftStorage's write edge with a disk space guard over a fake disk: client writes are refused
 * with {@code disk_full} while the disk is under its reserve, reads and deletions go on, and writes
 * come back without a restart once space does.
 */
class RaftStorageDiskFullTest {

    private static final long STORE_ID = 1;
    private static final long TICK_INTERVAL_MS = 10;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final long MIB = 1024 * 1024;
    private static final long CAPACITY_BYTES = 1000 * MIB;
    private static final long RESERVE_BYTES = 100 * MIB;
    private static final Metapb.Region REGION = TestEngines.region(1, 1, STORE_ID);
    private static final Kvrpcpb.Context CTX = Kvrpcpb.Context.newBuilder()
            .setRegionId(1)
            .setPeer(REGION.getPeers(0))
            .setRegionEpoch(REGION.getRegionEpoch())
            .build();

    @TempDir
    Path dir;

    /** Free bytes of the fake disk, set by the test (the guard's placeholder lives in its own dir). */
    private volatile long freeBytes = CAPACITY_BYTES / 2;

    private Engines engines;
    private RaftStoreDriver driver;
    private RaftStorage storage;
    private DiskSpaceGuard guard;

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeEach
    void start() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        try (Engines fresh = TestEngines.open(data)) {
            RaftStore.bootstrapStore(fresh, 1, STORE_ID);
            RaftStore.bootstrapRegion(fresh, REGION);
        }
        engines = TestEngines.open(data);
        Transport nowhere = message -> {
            throw new AssertionError("a one-peer region sends no messages, got " + message);
        };
        RaftStore store = new RaftStore(
                STORE_ID, engines, RaftstoreConfig.defaults(), nowhere, Runnable::run, new SplittableRandom(1));
        driver = new RaftStoreDriver(
                store,
                TICK_INTERVAL_MS,
                System::nanoTime,
                Thread.ofPlatform().name("raft-store-" + STORE_ID).factory());
        guard = DiskSpaceGuard.open(
                Files.createDirectories(dir.resolve("placeholder")),
                new ReserveSpace.Fixed(RESERVE_BYTES),
                () -> new SpaceStats(CAPACITY_BYTES, freeBytes));
        storage = new RaftStorage(store, COMMAND_TIMEOUT, guard);
    }

    @AfterEach
    void stop() {
        driver.close();
        assertThat(driver.failure()).isNull();
        engines.close();
    }

    private String read(String key) {
        try (StorageReader reader = storage.reader(CTX)) {
            byte[] value = reader.get(Cf.DEFAULT, raw(key));
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }

    private void put(String key, String value) {
        storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw(key), raw(value))));
    }

    private void fillTo(long free, DiskUsage expected) {
        freeBytes = free;
        guard.sample();
        assertThat(guard.usage()).as("the fault happened").isEqualTo(expected);
    }

    @Test
    void underTheReserveWritesAreRefusedWithDiskFullAndReadsGoOn() {
        put("a", "1");
        put("b", "2");
        fillTo(RESERVE_BYTES - MIB, DiskUsage.ALMOST_FULL);

        RegionException refused = catchThrowableOfType(RegionException.class, () -> put("c", "3"));

        Errorpb.Error error = refused.error();
        assertThat(error.hasDiskFull()).isTrue();
        assertThat(error.getDiskFull().getStoreIdList()).containsExactly(STORE_ID);
        assertThat(error.getDiskFull().getReason()).contains("disk almost full", "99.0 MiB free");
        assertThat(error.getMessage()).startsWith("store 1: disk almost full");
        assertThat(read("a")).isEqualTo("1");
        assertThat(read("c")).as("nothing of the refused write was proposed").isNull();

        storage.write(CTX, List.of(new Modify.Delete(Cf.DEFAULT, raw("a"))));
        assertThat(read("a")).as("deletions free space, so they pass").isNull();
        storage.write(
                CTX.toBuilder()
                        .setDiskFullOpt(Kvrpcpb.DiskFullOpt.AllowedOnAlmostFull)
                        .build(),
                List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("cleanup"))));
        assertThat(read("b"))
                .as("a request allowed on an almost full disk passes")
                .isEqualTo("cleanup");
    }

    @Test
    void underHalfTheReserveEvenDeletionsAreRefusedAndWritesComeBackWithSpace() {
        put("a", "1");
        fillTo(RESERVE_BYTES / 4, DiskUsage.ALREADY_FULL);

        RegionException refused = catchThrowableOfType(
                RegionException.class, () -> storage.write(CTX, List.of(new Modify.Delete(Cf.DEFAULT, raw("a")))));

        assertThat(refused.error().getDiskFull().getReason()).contains("disk full", "under half the reserve");
        assertThat(read("a")).isEqualTo("1");

        fillTo(RESERVE_BYTES * 3, DiskUsage.NORMAL);
        put("a", "2");
        assertThat(read("a")).isEqualTo("2");
    }
}
