package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deleting records only writes tombstones; {@link Engine#compactRange} is what gives their space
 * back. Sizes and counts, never timing.
 */
class EngineCompactionTest {

    private static final int KEYS = 4;
    private static final int VERSIONS = 200;
    private static final int VALUE_BYTES = 1024;

    @TempDir
    Path dir;

    @Test
    void compactingARangeDropsItsDeletedVersionsAndTombstonesAndKeepsTheRest() {
        byte[] start = Keys.dataKey(bytes("a"));
        byte[] end = Keys.dataKey(bytes("b"));
        byte[] outside = Keys.dataKey(bytes("c"));
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            Engine kv = engines.kv();
            try (EngineWriteBatch batch = kv.newWriteBatch()) {
                for (int k = 0; k < KEYS; k++) {
                    for (int v = 0; v < VERSIONS; v++) {
                        batch.put(Cf.WRITE, versionKey(k, v), value(v));
                    }
                }
                batch.put(Cf.WRITE, outside, value(0));
                kv.write(batch, false);
            }
            kv.flush(Cf.WRITE);
            long written = kv.sstBytes(Cf.WRITE, start, end);
            assertThat(written)
                    .as("SST bytes of the range once written")
                    .isGreaterThan((long) KEYS * VERSIONS * VALUE_BYTES / 2);

            // Delete every version but the newest of each key, as MVCC GC does.
            try (EngineWriteBatch batch = kv.newWriteBatch()) {
                for (int k = 0; k < KEYS; k++) {
                    for (int v = 0; v < VERSIONS - 1; v++) {
                        batch.delete(Cf.WRITE, versionKey(k, v));
                    }
                }
                kv.write(batch, false);
            }
            kv.flush(Cf.WRITE);
            assertThat(kv.sstDeletions(Cf.WRITE, start, end))
                    .as("tombstones before compaction")
                    .isEqualTo((long) KEYS * (VERSIONS - 1));
            assertThat(kv.sstBytes(Cf.WRITE, start, end))
                    .as("deletes alone free nothing")
                    .isGreaterThanOrEqualTo(written);

            kv.compactRange(Cf.WRITE, start, end);

            assertThat(kv.sstDeletions(Cf.WRITE, start, end))
                    .as("tombstones after compaction")
                    .isZero();
            assertThat(kv.sstBytes(Cf.WRITE, start, end))
                    .as("SST bytes of the range after compaction")
                    .isLessThan(written / 10);
            for (int k = 0; k < KEYS; k++) {
                assertThat(kv.get(Cf.WRITE, versionKey(k, VERSIONS - 1))).isEqualTo(value(VERSIONS - 1));
                assertThat(kv.get(Cf.WRITE, versionKey(k, 0))).isNull();
            }
            assertThat(kv.get(Cf.WRITE, outside)).isEqualTo(value(0));
        }
    }

    private static byte[] versionKey(int key, int version) {
        return Keys.dataKey(ByteBuffer.allocate(6)
                .put((byte) 'a')
                .put((byte) key)
                .putInt(version)
                .array());
    }

    /** Incompressible enough that sizes reflect the record count. */
    private static byte[] value(int version) {
        return IncompressibleBytes.of(version, VALUE_BYTES);
    }
}
