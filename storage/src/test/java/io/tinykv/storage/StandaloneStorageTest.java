package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.keysBackward;
import static io.tinykv.storage.TestData.keysForward;
import static io.tinykv.storage.TestData.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TinyKV's stage-1 standalone scenarios, plus restart and concurrent callers. */
class StandaloneStorageTest {

    private static final long DEADLINE_SECONDS = 60;
    private static final Kvrpcpb.Context CTX = Kvrpcpb.Context.getDefaultInstance();

    @TempDir
    Path dir;

    private StandaloneStorage storage;

    @BeforeEach
    void open() {
        storage = StandaloneStorage.open(dir, SMALL_CONFIG);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private void put(Cf cf, String key, String value) {
        storage.write(CTX, List.of(new Modify.Put(cf, bytes(key), bytes(value))));
    }

    private String get(Cf cf, String key) {
        try (StorageReader reader = storage.reader(CTX)) {
            return string(reader.get(cf, bytes(key)));
        }
    }

    /** Up to {@code limit} keys from {@code start}, as RawScan does. */
    private List<String> scan(Cf cf, String start, int limit) {
        try (StorageReader reader = storage.reader(CTX);
                KvIterator it = reader.iterator(cf)) {
            List<String> pairs = new ArrayList<>();
            for (it.seek(bytes(start)); it.valid() && pairs.size() < limit; it.next()) {
                pairs.add(string(it.key()) + "=" + string(it.value()));
            }
            return pairs;
        }
    }

    @Test
    void rawGetPutAndGetNotFound() {
        put(Cf.DEFAULT, "42", "v");
        assertThat(get(Cf.DEFAULT, "42")).isEqualTo("v");
        assertThat(get(Cf.DEFAULT, "43")).isNull();
    }

    @Test
    void columnFamiliesAreSeparate() {
        put(Cf.DEFAULT, "k", "d");
        put(Cf.LOCK, "k", "l");
        assertThat(get(Cf.DEFAULT, "k")).isEqualTo("d");
        assertThat(get(Cf.LOCK, "k")).isEqualTo("l");
        assertThat(get(Cf.WRITE, "k")).isNull();
    }

    @Test
    void rawDelete() {
        put(Cf.DEFAULT, "k", "v");
        storage.write(CTX, List.of(new Modify.Delete(Cf.DEFAULT, bytes("k"))));
        assertThat(get(Cf.DEFAULT, "k")).isNull();
        // Deleting an absent key is fine.
        storage.write(CTX, List.of(new Modify.Delete(Cf.DEFAULT, bytes("absent"))));
    }

    @Test
    void rawScanWithLimitAfterPutsAndDeletes() {
        for (int i = 1; i <= 5; i++) {
            put(Cf.DEFAULT, Integer.toString(i), "v" + i);
        }
        assertThat(scan(Cf.DEFAULT, "1", 3)).containsExactly("1=v1", "2=v2", "3=v3");
        put(Cf.DEFAULT, "0", "v0");
        storage.write(CTX, List.of(new Modify.Delete(Cf.DEFAULT, bytes("2"))));
        assertThat(scan(Cf.DEFAULT, "", 10)).containsExactly("0=v0", "1=v1", "3=v3", "4=v4", "5=v5");
        assertThat(scan(Cf.LOCK, "", 10)).isEmpty();
    }

    /** TinyKV's IterWithRawDelete through the Storage interface. */
    @Test
    void iteratorOpenedBeforeDeleteStillSeesTheKey() {
        put(Cf.DEFAULT, "1", "v1");
        try (StorageReader reader = storage.reader(CTX);
                KvIterator it = reader.iterator(Cf.DEFAULT)) {
            storage.write(CTX, List.of(new Modify.Delete(Cf.DEFAULT, bytes("1"))));
            it.seek(bytes("1"));
            assertThat(it.valid()).isTrue();
            assertThat(string(it.key())).isEqualTo("1");
            assertThat(string(it.value())).isEqualTo("v1");
        }
        assertThat(get(Cf.DEFAULT, "1")).isNull();
    }

    @Test
    void readerOpenedBeforePutDoesNotSeeIt() {
        try (StorageReader reader = storage.reader(CTX)) {
            put(Cf.DEFAULT, "k", "v");
            assertThat(reader.get(Cf.DEFAULT, bytes("k"))).isNull();
        }
        assertThat(get(Cf.DEFAULT, "k")).isEqualTo("v");
    }

    @Test
    void userIteratorSeesOnlyUserKeysInBothDirections() {
        // Local metadata shares the default CF; the user view must never show it.
        Engine kv = storage.engines().kv();
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.put(Cf.DEFAULT, Keys.regionStateKey(1), bytes("meta")), true);
        }
        put(Cf.DEFAULT, "b", "2");
        put(Cf.DEFAULT, "d", "4");
        try (StorageReader reader = storage.reader(CTX);
                KvIterator it = reader.iterator(Cf.DEFAULT)) {
            it.seekToFirst();
            assertThat(keysForward(it)).containsExactly("b", "d");
            it.seekToLast();
            assertThat(keysBackward(it)).containsExactly("d", "b");
            it.seekForPrev(bytes("c"));
            assertThat(string(it.key())).isEqualTo("b");
            it.prev();
            assertThat(it.valid()).isFalse();
        }
        try (UserKeyReader reader = (UserKeyReader) storage.reader(CTX);
                KvIterator region = reader.iterator(Cf.DEFAULT, bytes("c"), new byte[0])) {
            region.seekToFirst();
            assertThat(keysForward(region)).containsExactly("d");
        }
    }

    @Test
    void batchOfModifiesAppliesInOrderAndAtomically() {
        storage.write(
                CTX,
                List.of(
                        new Modify.Put(Cf.DEFAULT, bytes("a"), bytes("1")),
                        new Modify.Put(Cf.DEFAULT, bytes("b"), bytes("2")),
                        new Modify.Delete(Cf.DEFAULT, bytes("a")),
                        new Modify.Put(Cf.WRITE, bytes("c"), bytes("3"))));
        assertThat(get(Cf.DEFAULT, "a")).isNull();
        assertThat(get(Cf.DEFAULT, "b")).isEqualTo("2");
        assertThat(get(Cf.WRITE, "c")).isEqualTo("3");
        storage.write(CTX, List.of());
    }

    @Test
    void restartKeepsAcknowledgedWrites() {
        put(Cf.DEFAULT, "k", "v");
        put(Cf.LOCK, "k", "l");
        storage.close();
        storage = StandaloneStorage.open(dir, SMALL_CONFIG);
        assertThat(get(Cf.DEFAULT, "k")).isEqualTo("v");
        assertThat(get(Cf.LOCK, "k")).isEqualTo("l");
    }

    @Test
    void concurrentCallersAllSucceed() throws Exception {
        int threads = 4;
        int writesPerThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < writesPerThread; i++) {
                        String key = thread + "-" + i;
                        put(Cf.DEFAULT, key, key);
                        assertThat(get(Cf.DEFAULT, key)).isEqualTo(key);
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS))
                    .isTrue();
        }
        assertThat(scan(Cf.DEFAULT, "", Integer.MAX_VALUE)).hasSize(threads * writesPerThread);
    }
}
