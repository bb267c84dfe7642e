package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SST files written outside the engines and ingested into a column family. */
class SstFileBuilderTest {

    @TempDir
    Path dir;

    @Test
    void anIngestedFileWinsOverOlderWritesAndRangeDeletionsAndStaysAfterReopen() {
        Path file = dir.resolve("default.sst");
        try (SstFileBuilder builder = SstFileBuilder.create(file)) {
            builder.put(bytes("b"), bytes("from the file"));
            builder.put(bytes("c"), bytes("also from the file"));
            long size = builder.finish();
            assertThat(size).isEqualTo(sizeOf(file));
        }
        try (Engines engines = Engines.open(dir.resolve("db"), SMALL_CONFIG)) {
            Engine kv = engines.kv();
            try (EngineWriteBatch wb = kv.newWriteBatch()) {
                wb.put(Cf.DEFAULT, bytes("a"), bytes("outside the range"));
                wb.put(Cf.DEFAULT, bytes("b"), bytes("old"));
                wb.put(Cf.DEFAULT, bytes("bb"), bytes("old, not in the file"));
                kv.write(wb, false);
            }
            try (EngineWriteBatch wb = kv.newWriteBatch()) {
                wb.deleteRange(Cf.DEFAULT, bytes("b"), bytes("d"));
                kv.write(wb, true);
            }
            kv.ingestExternalFiles(Cf.DEFAULT, List.of(file));
            assertThat(string(kv.get(Cf.DEFAULT, bytes("b")))).isEqualTo("from the file");
            assertThat(kv.get(Cf.DEFAULT, bytes("bb"))).isNull();
            assertThat(string(kv.get(Cf.DEFAULT, bytes("a")))).isEqualTo("outside the range");
            assertThat(kv.get(Cf.WRITE, bytes("b")))
                    .as("other column families untouched")
                    .isNull();
            assertThat(file).as("ingestion copies: the caller keeps its file").exists();
        }
        try (Engines engines = Engines.open(dir.resolve("db"), SMALL_CONFIG)) {
            assertThat(string(engines.kv().get(Cf.DEFAULT, bytes("c")))).isEqualTo("also from the file");
        }
    }

    @Test
    void keysOutOfOrderAndEmptyFilesAreRefused() {
        try (SstFileBuilder builder = SstFileBuilder.create(dir.resolve("x.sst"))) {
            builder.put(bytes("b"), bytes("1"));
            assertThatThrownBy(() -> builder.put(bytes("a"), bytes("2")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("does not sort after");
            assertThatThrownBy(() -> builder.put(bytes("b"), bytes("2"))).hasMessageContaining("does not sort after");
        }
        try (SstFileBuilder builder = SstFileBuilder.create(dir.resolve("empty.sst"))) {
            assertThatThrownBy(builder::finish)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no keys");
        }
    }

    @Test
    void aDamagedFileIsRefusedByIngestionNamingIt() throws Exception {
        Path file = dir.resolve("bad.sst");
        Files.write(file, bytes("this is not an SST file at all"));
        try (Engines engines = Engines.open(dir.resolve("db"), SMALL_CONFIG)) {
            assertThatThrownBy(() -> engines.kv().ingestExternalFiles(Cf.DEFAULT, List.of(file)))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("bad.sst");
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }
}
