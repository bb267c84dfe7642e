package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.keysBackward;
import static io.tinykv.storage.TestData.keysForward;
import static io.tinykv.storage.TestData.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot readers and iterators over raw engine keys. */
class SnapshotReaderTest {

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

    private void put(Cf cf, String key, String value) {
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.put(cf, bytes(key), bytes(value)), true);
        }
    }

    private void delete(Cf cf, String key) {
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.delete(cf, bytes(key)), true);
        }
    }

    @Test
    void columnFamiliesAreIsolated() {
        put(Cf.DEFAULT, "k", "in-default");
        put(Cf.LOCK, "k", "in-lock");
        try (SnapshotReader reader = kv.snapshot()) {
            assertThat(string(reader.get(Cf.DEFAULT, bytes("k")))).isEqualTo("in-default");
            assertThat(string(reader.get(Cf.LOCK, bytes("k")))).isEqualTo("in-lock");
            assertThat(reader.get(Cf.WRITE, bytes("k"))).isNull();
            try (KvIterator it = reader.iterator(Cf.WRITE)) {
                it.seekToFirst();
                assertThat(it.valid()).isFalse();
            }
        }
    }

    @Test
    void readerDoesNotSeeLaterPutsOrDeletes() {
        put(Cf.DEFAULT, "old", "1");
        try (SnapshotReader reader = kv.snapshot()) {
            put(Cf.DEFAULT, "new", "2");
            delete(Cf.DEFAULT, "old");
            put(Cf.DEFAULT, "old-overwritten-later", "x");
            assertThat(reader.get(Cf.DEFAULT, bytes("new"))).isNull();
            assertThat(string(reader.get(Cf.DEFAULT, bytes("old")))).isEqualTo("1");
            try (KvIterator it = reader.iterator(Cf.DEFAULT)) {
                it.seekToFirst();
                assertThat(keysForward(it)).containsExactly("old");
            }
        }
        assertThat(kv.get(Cf.DEFAULT, bytes("new"))).isNotNull();
        assertThat(kv.get(Cf.DEFAULT, bytes("old"))).isNull();
    }

    /** TinyKV's IterWithRawDelete, plus a compaction that physically drops the deleted keys. */
    @Test
    void iteratorOpenedBeforeDeletesStillSeesTheKeysEvenAfterCompaction() throws Exception {
        put(Cf.DEFAULT, "a", "1");
        put(Cf.DEFAULT, "b", "2");
        put(Cf.DEFAULT, "c", "3");
        try (SnapshotReader reader = kv.snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT)) {
            it.seek(bytes("a"));
            assertThat(string(it.key())).isEqualTo("a");
            delete(Cf.DEFAULT, "b");
            try (EngineWriteBatch batch = kv.newWriteBatch()) {
                kv.write(batch.deleteRange(Cf.DEFAULT, bytes("a"), bytes("z")), true);
            }
            kv.db().compactRange(kv.handle(Cf.DEFAULT));
            it.next();
            assertThat(string(it.key())).isEqualTo("b");
            assertThat(string(it.value())).isEqualTo("2");
            it.next();
            assertThat(string(it.key())).isEqualTo("c");
            it.next();
            assertThat(it.valid()).isFalse();
        }
        try (SnapshotReader reader = kv.snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT)) {
            it.seekToFirst();
            assertThat(it.valid()).isFalse();
        }
    }

    @Test
    void reverseIterationWithSeekForPrevAndPrev() {
        for (String key : new String[] {"a", "c", "e", "g"}) {
            put(Cf.WRITE, key, key.toUpperCase());
        }
        try (SnapshotReader reader = kv.snapshot();
                KvIterator it = reader.iterator(Cf.WRITE)) {
            it.seekForPrev(bytes("f"));
            assertThat(string(it.key())).isEqualTo("e");
            assertThat(string(it.value())).isEqualTo("E");
            it.seekForPrev(bytes("c"));
            assertThat(string(it.key())).isEqualTo("c");
            assertThat(keysBackward(it)).containsExactly("c", "a");
            it.seekToLast();
            assertThat(keysBackward(it)).containsExactly("g", "e", "c", "a");
            it.seekForPrev(bytes("0"));
            assertThat(it.valid()).isFalse();
            // Switching direction mid-way.
            it.seek(bytes("d"));
            it.prev();
            assertThat(string(it.key())).isEqualTo("c");
            it.next();
            assertThat(string(it.key())).isEqualTo("e");
        }
    }

    @Test
    void boundedIteratorNeverLeavesItsRange() {
        for (String key : new String[] {"a", "b", "c", "d", "e"}) {
            put(Cf.DEFAULT, key, key);
        }
        try (SnapshotReader reader = kv.snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT, bytes("b"), bytes("d"))) {
            it.seekToFirst();
            assertThat(keysForward(it)).containsExactly("b", "c");
            it.seekToLast();
            assertThat(keysBackward(it)).containsExactly("c", "b");
            it.seek(bytes("a"));
            assertThat(string(it.key())).isEqualTo("b");
            it.seekForPrev(bytes("z"));
            assertThat(string(it.key())).isEqualTo("c");
            it.seek(bytes("d"));
            assertThat(it.valid()).isFalse();
        }
        try (SnapshotReader reader = kv.snapshot();
                KvIterator upperOnly = reader.iterator(Cf.DEFAULT, null, bytes("c"));
                KvIterator lowerOnly = reader.iterator(Cf.DEFAULT, bytes("d"), new byte[0])) {
            upperOnly.seekToFirst();
            assertThat(keysForward(upperOnly)).containsExactly("a", "b");
            lowerOnly.seekToFirst();
            assertThat(keysForward(lowerOnly)).containsExactly("d", "e");
        }
    }

    @Test
    void misuseOfAnIteratorIsAnExceptionNotACrash() {
        try (SnapshotReader reader = kv.snapshot()) {
            KvIterator it = reader.iterator(Cf.DEFAULT);
            it.seekToFirst();
            assertThat(it.valid()).isFalse();
            assertThatThrownBy(it::key)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not on a key");
            assertThatThrownBy(it::next).isInstanceOf(IllegalStateException.class);
            it.close();
            assertThatThrownBy(it::seekToFirst)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("closed");
            it.close();
        }
    }

    @Test
    void closingTheReaderClosesItsIterators() {
        put(Cf.DEFAULT, "a", "1");
        SnapshotReader reader = kv.snapshot();
        KvIterator it = reader.iterator(Cf.DEFAULT);
        it.seekToFirst();
        assertThat(it.valid()).isTrue();
        reader.close();
        assertThatThrownBy(it::valid).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> reader.get(Cf.DEFAULT, bytes("a"))).isInstanceOf(IllegalStateException.class);
        it.close();
        reader.close();
    }

    @Test
    void snapshotsAreOrderedBySequenceNumber() {
        try (SnapshotReader before = kv.snapshot()) {
            put(Cf.DEFAULT, "a", "1");
            try (SnapshotReader after = kv.snapshot()) {
                assertThat(after.sequenceNumber()).isGreaterThan(before.sequenceNumber());
            }
        }
    }
}
