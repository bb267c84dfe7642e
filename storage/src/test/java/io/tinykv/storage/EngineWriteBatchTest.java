package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.keysForward;
import static io.tinykv.storage.TestData.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Write batches: raw and user-level operations, range deletes, atomicity. */
class EngineWriteBatchTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private Engines engines;
    private Engine kv;

    @BeforeEach
    void open() {
        engines = Engines.open(dir, SMALL_CONFIG);
        kv = engines.kv();
    }

    @AfterEach
    void close() {
        engines.close();
    }

    private List<String> rawKeys(Cf cf) {
        try (SnapshotReader reader = kv.snapshot();
                KvIterator it = reader.iterator(cf)) {
            it.seekToFirst();
            return keysForward(it);
        }
    }

    @Test
    void deleteRangeRemovesExactlyTheHalfOpenRange() {
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            for (String key : new String[] {"a", "b", "b0", "c", "d"}) {
                batch.put(Cf.DEFAULT, bytes(key), bytes(key));
                batch.put(Cf.LOCK, bytes(key), bytes(key));
            }
            kv.write(batch, true);
        }
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.deleteRange(Cf.DEFAULT, bytes("b"), bytes("c")), true);
        }
        assertThat(rawKeys(Cf.DEFAULT)).containsExactly("a", "c", "d");
        assertThat(rawKeys(Cf.LOCK)).containsExactly("a", "b", "b0", "c", "d");
    }

    @Test
    void userDeleteRangeWithEmptyEndIsUnboundedButSparesLocalKeys() {
        byte[] regionState = Keys.regionStateKey(1);
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            batch.put(Cf.DEFAULT, regionState, bytes("meta"));
            batch.addUserModifies(List.of(
                    new Modify.Put(Cf.DEFAULT, bytes("a"), bytes("1")),
                    new Modify.Put(Cf.DEFAULT, bytes("m"), bytes("2")),
                    new Modify.Put(Cf.DEFAULT, new byte[] {(byte) 0xff, (byte) 0xff}, bytes("3"))));
            kv.write(batch, true);
        }
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.addUserModify(new Modify.DeleteRange(Cf.DEFAULT, bytes("b"), new byte[0])), true);
        }
        assertThat(kv.get(Cf.DEFAULT, Keys.dataKey(bytes("a")))).isNotNull();
        assertThat(kv.get(Cf.DEFAULT, Keys.dataKey(bytes("m")))).isNull();
        assertThat(kv.get(Cf.DEFAULT, Keys.dataKey(new byte[] {(byte) 0xff, (byte) 0xff})))
                .isNull();
        assertThat(string(kv.get(Cf.DEFAULT, regionState))).isEqualTo("meta");

        // Even the whole user key space: the local keys stay.
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.addUserModify(new Modify.DeleteRange(Cf.DEFAULT, new byte[0], new byte[0])), true);
        }
        assertThat(kv.get(Cf.DEFAULT, Keys.dataKey(bytes("a")))).isNull();
        assertThat(string(kv.get(Cf.DEFAULT, regionState))).isEqualTo("meta");
    }

    @Test
    void userKeysThatLookLocalCannotOverwriteLocalKeys() {
        byte[] regionState = Keys.regionStateKey(1);
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            batch.put(Cf.DEFAULT, regionState, bytes("meta"));
            batch.addUserModify(new Modify.Put(Cf.DEFAULT, regionState, bytes("user")));
            kv.write(batch, true);
        }
        assertThat(string(kv.get(Cf.DEFAULT, regionState))).isEqualTo("meta");
        assertThat(string(kv.get(Cf.DEFAULT, Keys.dataKey(regionState)))).isEqualTo("user");
    }

    @Test
    void invertedRangeIsRejectedAndEmptyRangeIsANoOp() {
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            assertThatThrownBy(() -> batch.deleteRange(Cf.DEFAULT, bytes("b"), bytes("a")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("sorts before its start");
            assertThatThrownBy(() -> batch.addUserModify(new Modify.DeleteRange(Cf.DEFAULT, bytes("b"), bytes("a"))))
                    .isInstanceOf(IllegalArgumentException.class);
            batch.deleteRange(Cf.DEFAULT, bytes("b"), bytes("b"));
            assertThat(batch.isEmpty()).isTrue();
        }
    }

    @Test
    void batchIsAllOrNothingForReaders() {
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            batch.put(Cf.DEFAULT, bytes("x"), bytes("1"));
            batch.put(Cf.LOCK, bytes("x"), bytes("1"));
            batch.put(Cf.WRITE, bytes("x"), bytes("1"));
            assertThat(batch.count()).isEqualTo(3);
            assertThat(batch.dataSizeBytes()).isPositive();
            // Nothing is visible until the batch is written.
            assertThat(kv.get(Cf.DEFAULT, bytes("x"))).isNull();
            kv.write(batch, true);
        }
        assertThat(string(kv.get(Cf.WRITE, bytes("x")))).isEqualTo("1");
    }

    /**
     * A writer keeps setting the same key in three column families to one value per batch; every
     * snapshot taken meanwhile must see the three equal. A torn batch would show them differ.
     */
    @Test
    void concurrentSnapshotsNeverSeeHalfABatch() throws Exception {
        int batches = 300;
        AtomicBoolean writerDone = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                try {
                    for (int i = 0; i < batches; i++) {
                        try (EngineWriteBatch batch = kv.newWriteBatch()) {
                            byte[] value = bytes(Integer.toString(i));
                            for (Cf cf : Cf.values()) {
                                batch.put(cf, bytes("counter"), value);
                            }
                            kv.write(batch, false);
                        }
                    }
                } finally {
                    writerDone.set(true);
                }
            });
            Future<Integer> reader = pool.submit(() -> {
                int checked = 0;
                while (!writerDone.get() || checked == 0) {
                    try (SnapshotReader snapshot = kv.snapshot()) {
                        String inDefault = string(snapshot.get(Cf.DEFAULT, bytes("counter")));
                        assertThat(string(snapshot.get(Cf.LOCK, bytes("counter"))))
                                .isEqualTo(inDefault);
                        assertThat(string(snapshot.get(Cf.WRITE, bytes("counter"))))
                                .isEqualTo(inDefault);
                    }
                    checked++;
                }
                return checked;
            });
            writer.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
            assertThat(reader.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isPositive();
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(DEADLINE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();
        }
        assertThat(string(kv.get(Cf.LOCK, bytes("counter")))).isEqualTo(Integer.toString(batches - 1));
    }

    @Test
    void closedBatchRejectsUse() {
        EngineWriteBatch batch = kv.newWriteBatch();
        batch.put(Cf.DEFAULT, bytes("k"), bytes("v"));
        batch.close();
        assertThatThrownBy(() -> batch.put(Cf.DEFAULT, bytes("k"), bytes("v")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> kv.write(batch, true)).isInstanceOf(IllegalStateException.class);
        batch.close();
        assertThat(kv.get(Cf.DEFAULT, bytes("k"))).isNull();
    }
}
