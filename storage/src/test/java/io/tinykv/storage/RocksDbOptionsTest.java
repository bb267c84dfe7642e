package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The options RocksDbOptions chooses really reach RocksDB: read back from the OPTIONS file
 * RocksDB writes at open, and from its properties.
 */
class RocksDbOptionsTest {

    private static final String TIERED = "kNoCompression:kNoCompression:kLZ4Compression:kLZ4Compression:"
            + "kLZ4Compression:kLZ4Compression:kLZ4Compression";

    @TempDir
    Path dir;

    /** Each engine's memtable size its own, so the test can tell which one reached which engine. */
    private static final EngineConfig CONFIG = SMALL_CONFIG.withRaftWriteBufferSizeBytes(2 * 1024 * 1024);

    @Test
    void engineOptionsAreTheChosenOnes() throws Exception {
        assertThat(CONFIG.raftWriteBufferSizeBytes()).isNotEqualTo(CONFIG.writeBufferSizeBytes());
        try (Engines engines = Engines.open(dir, CONFIG)) {
            for (Engine engine : List.of(engines.kv(), engines.raft())) {
                // One shared cache of the configured size behind every column family.
                for (Cf cf : engine.kind().columnFamilies()) {
                    assertThat(engine.db().getProperty(engine.handle(cf), "rocksdb.block-cache-capacity"))
                            .isEqualTo(Long.toString(CONFIG.blockCacheSizeBytes()));
                }
            }
        }
        Map<String, Long> memtableBytes =
                Map.of("kv", CONFIG.writeBufferSizeBytes(), "raft", CONFIG.raftWriteBufferSizeBytes());
        for (String engine : List.of("kv", "raft")) {
            Map<String, Map<String, String>> options = readOptionsFile(dir.resolve(engine));
            Map<String, String> db = options.get("DBOptions");
            assertThat(db)
                    .containsEntry("paranoid_checks", "true")
                    .containsEntry("wal_recovery_mode", "kTolerateCorruptedTailRecords")
                    .containsEntry("max_background_jobs", Integer.toString(CONFIG.maxBackgroundJobs()))
                    .containsEntry("bytes_per_sync", "1048576");
            Map<String, String> defaultCf = options.get("CFOptions \"default\"");
            assertThat(defaultCf)
                    .containsEntry("compression_per_level", TIERED)
                    .containsEntry("bottommost_compression", "kZSTD")
                    .containsEntry("write_buffer_size", Long.toString(memtableBytes.get(engine)));
            assertThat(options.get("TableOptions/BlockBasedTable \"default\""))
                    .containsEntry("filter_policy", "bloomfilter:10:false")
                    .containsEntry("cache_index_and_filter_blocks", "true");
        }
        Map<String, Map<String, String>> kv = readOptionsFile(dir.resolve("kv"));
        assertThat(kv.get("CFOptions \"lock\"")).containsEntry("compression", "kNoCompression");
        assertThat(kv.get("TableOptions/BlockBasedTable \"lock\""))
                .containsEntry("filter_policy", "bloomfilter:10:false");
        assertThat(kv.get("CFOptions \"write\"")).containsEntry("bottommost_compression", "kZSTD");
        assertThat(kv.get("TableOptions/BlockBasedTable \"write\"")).containsEntry("filter_policy", "nullptr");
        assertThat(readOptionsFile(dir.resolve("raft"))).doesNotContainKey("CFOptions \"lock\"");
    }

    /** The newest OPTIONS file of a database, as section name to key/value pairs. */
    private static Map<String, Map<String, String>> readOptionsFile(Path dbDir) throws IOException {
        Path newest;
        try (var files = Files.list(dbDir)) {
            newest = files.filter(p -> p.getFileName().toString().startsWith("OPTIONS-"))
                    .max(Path::compareTo)
                    .orElseThrow(() -> new AssertionError("no OPTIONS file in " + dbDir));
        }
        Map<String, Map<String, String>> sections = new HashMap<>();
        Map<String, String> current = null;
        for (String line : Files.readAllLines(newest)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
                current = new HashMap<>();
                sections.put(trimmed.substring(1, trimmed.length() - 1), current);
            } else if (current != null && trimmed.contains("=") && !trimmed.startsWith("#")) {
                int eq = trimmed.indexOf('=');
                current.put(trimmed.substring(0, eq), trimmed.substring(eq + 1));
            }
        }
        return sections;
    }
}
