package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.StorageReader;
import io.tinykv.testkit.clock.RaftThreadGate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RaftStorage on one store with a one-peer region [a, m), on real threads: the production wiring
 * of the same code the simulator runs.
 */
class RaftStorageTest {

    private static final long STORE_ID = 1;
    private static final long TICK_INTERVAL_MS = 10;
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final long RAFT_ENTRY_MAX_SIZE_BYTES = 4096;
    private static final Metapb.Region REGION = TestEngines.region(1, 1, STORE_ID).toBuilder()
            .setStartKey(bytes("a"))
            .setEndKey(bytes("m"))
            .build();
    private static final Kvrpcpb.Context CTX = Kvrpcpb.Context.newBuilder()
            .setRegionId(1)
            .setPeer(REGION.getPeers(0))
            .setRegionEpoch(REGION.getRegionEpoch())
            .build();

    @TempDir
    Path dir;

    private Engines engines;
    private RaftStore store;
    private RaftStoreDriver driver;
    private RaftStorage storage;
    /** The driver's clock; a test may hold the Raft thread at it. */
    private final RaftThreadGate gate = new RaftThreadGate();

    private Duration commandTimeout = COMMAND_TIMEOUT;

    private static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void start() {
        engines = TestEngines.open(dir);
        RaftstoreConfig config = RaftstoreConfig.defaults().withRaftEntryMaxSizeBytes(RAFT_ENTRY_MAX_SIZE_BYTES);
        Transport nowhere = message -> {
            throw new AssertionError("a one-peer region sends no messages, got " + message);
        };
        store = new RaftStore(STORE_ID, engines, config, nowhere, Runnable::run, new SplittableRandom(1));
        driver = new RaftStoreDriver(
                store,
                TICK_INTERVAL_MS,
                gate,
                Thread.ofPlatform()
                        .name("store-" + STORE_ID + RaftThreadGate.RAFT_THREAD_SUFFIX)
                        .factory());
        storage = new RaftStorage(store, commandTimeout);
    }

    private void bootstrapAndStart() {
        try (Engines fresh = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(fresh, 1, STORE_ID);
            RaftStore.bootstrapRegion(fresh, REGION);
        }
        start();
    }

    private void stop() {
        driver.close();
        assertThat(driver.failure()).isNull();
        engines.close();
    }

    @AfterEach
    void tearDown() {
        gate.release();
        if (engines != null) {
            driver.close();
            engines.close();
        }
    }

    private String read(Cf cf, String key) {
        try (StorageReader reader = storage.reader(CTX)) {
            byte[] value = reader.get(cf, raw(key));
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }
    }

    @Test
    void writesAreReadBackThroughReadIndexAndSurviveARestart() {
        bootstrapAndStart();
        storage.write(
                CTX,
                List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("1")), new Modify.Put(Cf.LOCK, raw("c"), raw("2"))));
        assertThat(read(Cf.DEFAULT, "b")).isEqualTo("1");
        assertThat(read(Cf.LOCK, "c")).isEqualTo("2");
        assertThat(read(Cf.DEFAULT, "c")).isNull();

        storage.write(
                CTX, List.of(new Modify.Delete(Cf.DEFAULT, raw("b")), new Modify.Put(Cf.DEFAULT, raw("d"), raw("3"))));
        assertThat(read(Cf.DEFAULT, "b")).isNull();

        stop();
        start();
        assertThat(read(Cf.DEFAULT, "d")).isEqualTo("3");
        assertThat(read(Cf.LOCK, "c")).isEqualTo("2");
        storage.write(CTX, List.of(new Modify.DeleteRange(Cf.DEFAULT, raw(""), raw(""))));
        assertThat(read(Cf.DEFAULT, "d")).isNull();
        assertThat(read(Cf.LOCK, "c"))
                .as("delete range touches one column family")
                .isEqualTo("2");
    }

    @Test
    void aReaderSeesOnlyItsRegionsKeys() {
        bootstrapAndStart();
        // Another region's data in the same engine (as after a split): outside [a, m).
        try (io.tinykv.storage.EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.put(Cf.DEFAULT, io.tinykv.storage.Keys.dataKey(raw("0")), raw("before"));
            wb.put(Cf.DEFAULT, io.tinykv.storage.Keys.dataKey(raw("n")), raw("after"));
            engines.kv().write(wb, true);
        }
        storage.write(
                CTX,
                List.of(
                        new Modify.Put(Cf.DEFAULT, raw("b"), raw("1")),
                        new Modify.Put(Cf.DEFAULT, raw("l"), raw("2"))));
        List<String> keys = new ArrayList<>();
        try (StorageReader reader = storage.reader(CTX);
                io.tinykv.storage.KvIterator it = reader.iterator(Cf.DEFAULT)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                keys.add(new String(it.key(), StandardCharsets.UTF_8));
            }
        }
        assertThat(keys).containsExactly("b", "l");
    }

    @Test
    void twoRegionsOnOneStoreKeepTheirDataApart() {
        Metapb.Region second = TestEngines.region(2, 2, STORE_ID).toBuilder()
                .setStartKey(bytes("m"))
                .build();
        Kvrpcpb.Context secondCtx = Kvrpcpb.Context.newBuilder()
                .setRegionId(2)
                .setPeer(second.getPeers(0))
                .setRegionEpoch(second.getRegionEpoch())
                .build();
        try (Engines fresh = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(fresh, 1, STORE_ID);
            RaftStore.bootstrapRegion(fresh, REGION);
            RaftStore.bootstrapRegion(fresh, second);
        }
        start();
        storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("first"))));
        storage.write(secondCtx, List.of(new Modify.Put(Cf.DEFAULT, raw("x"), raw("second"))));
        Errorpb.Error misrouted = errorOf(
                () -> storage.write(secondCtx, List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("wrong region")))));
        assertThat(misrouted.getKeyNotInRegion().getRegionId()).isEqualTo(2);
        // A delete of "everything" in region 2 is clipped to region 2.
        storage.write(secondCtx, List.of(new Modify.DeleteRange(Cf.DEFAULT, raw(""), raw(""))));
        assertThat(read(Cf.DEFAULT, "b")).isEqualTo("first");
        try (StorageReader reader = storage.reader(secondCtx)) {
            assertThat(reader.get(Cf.DEFAULT, raw("x"))).isNull();
        }
    }

    @Test
    void concurrentWritersAreAllApplied() throws Exception {
        bootstrapAndStart();
        int writers = 4;
        int writesEach = 25;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < writesEach; i++) {
                        storage.write(
                                CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("b" + writer + "-" + i), raw("v" + i))));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        for (int w = 0; w < writers; w++) {
            for (int i = 0; i < writesEach; i++) {
                assertThat(read(Cf.DEFAULT, "b" + w + "-" + i)).isEqualTo("v" + i);
            }
        }
    }

    private Errorpb.Error errorOf(Runnable call) {
        RegionException e = catchThrowableOfType(RegionException.class, call::run);
        assertThat(e).as("a region error").isNotNull();
        return e.error();
    }

    @Test
    void regionErrorsReachTheCaller() {
        bootstrapAndStart();
        List<Modify> put = List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("1")));

        Errorpb.Error notFound =
                errorOf(() -> storage.write(CTX.toBuilder().setRegionId(99).build(), put));
        assertThat(notFound.getRegionNotFound().getRegionId()).isEqualTo(99);

        Errorpb.Error wrongStore = errorOf(() -> storage.write(
                CTX.toBuilder()
                        .setPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(7))
                        .build(),
                put));
        assertThat(wrongStore.getStoreNotMatch().getRequestStoreId()).isEqualTo(7);
        assertThat(wrongStore.getStoreNotMatch().getActualStoreId()).isEqualTo(STORE_ID);

        Errorpb.Error staleEpoch = errorOf(() -> storage.write(
                CTX.toBuilder()
                        .setRegionEpoch(
                                Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(0))
                        .build(),
                put));
        assertThat(staleEpoch.getEpochNotMatch().getCurrentRegionsList()).containsExactly(REGION);

        Errorpb.Error outside =
                errorOf(() -> storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("z"), raw("1")))));
        assertThat(outside.getKeyNotInRegion().getKey()).isEqualTo(bytes("z"));
        assertThat(outside.getKeyNotInRegion().getEndKey()).isEqualTo(bytes("m"));

        Errorpb.Error tooLarge = errorOf(() -> storage.write(
                CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("b"), new byte[(int) RAFT_ENTRY_MAX_SIZE_BYTES]))));
        assertThat(tooLarge.getRaftEntryTooLarge().getEntrySize()).isGreaterThan(RAFT_ENTRY_MAX_SIZE_BYTES);

        Errorpb.Error readOutside = errorOf(() -> read(Cf.DEFAULT, "z"));
        assertThat(readOutside.getKeyNotInRegion().getKey()).isEqualTo(bytes("z"));

        Errorpb.Error readNotFound =
                errorOf(() -> storage.reader(CTX.toBuilder().setRegionId(99).build()));
        assertThat(readNotFound.hasRegionNotFound()).isTrue();

        assertThat(read(Cf.DEFAULT, "b")).as("no refused write was applied").isNull();
    }

    /**
     * A write whose answer timed out is still in the log and may apply: the answer is
     * server_is_busy, but writeAsync, on which callers hang their latches, waits for the write's
     * fate and completes only once it is applied.
     */
    @Test
    void aWriteOutlivesItsAnswerAndSettlesOnlyWhenApplied() throws Exception {
        commandTimeout = Duration.ofMillis(100);
        bootstrapAndStart();
        RaftStorage patient = new RaftStorage(store, COMMAND_TIMEOUT);
        patient.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("1"))));
        gate.holdRaftThread(COMMAND_TIMEOUT);

        CompletableFuture<Void> settled =
                storage.writeAsync(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("c"), raw("2"))));
        Errorpb.Error busy = errorOf(() -> storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("d"), raw("3")))));
        assertThat(busy.hasServerIsBusy())
                .as("the synchronous answer gave up: %s", busy)
                .isTrue();
        assertThat(busy.getMessage()).contains("may still apply");
        assertThat(settled).as("the write is not settled while Raft is held").isNotDone();

        gate.release();
        settled.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        try (StorageReader reader = patient.reader(CTX)) {
            assertThat(reader.get(Cf.DEFAULT, raw("c"))).containsExactly(raw("2"));
            assertThat(reader.get(Cf.DEFAULT, raw("d")))
                    .as("the write whose answer timed out applied")
                    .containsExactly(raw("3"));
        }
    }

    @Test
    void aStoppedStoreAnswersInsteadOfLeavingCallersWaiting() {
        bootstrapAndStart();
        stop();
        Errorpb.Error error =
                errorOf(() -> storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, raw("b"), raw("1")))));
        assertThat(error.hasRegionNotFound()).isTrue();
        engines = null;
    }

    @Test
    void enginesOfAnotherStoreAreRefused() {
        try (Engines fresh = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(fresh, 1, 2);
            Transport nowhere = message -> {};
            assertThatThrownBy(() -> new RaftStore(
                            STORE_ID,
                            fresh,
                            RaftstoreConfig.defaults(),
                            nowhere,
                            Runnable::run,
                            new SplittableRandom(1)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("belong to store 2");
            assertThatThrownBy(() -> RaftStore.bootstrapStore(fresh, 1, STORE_ID))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already belong");
        }
    }
}
