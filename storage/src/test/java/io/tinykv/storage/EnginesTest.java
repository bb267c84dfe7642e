package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.RaftServerpb;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening, closing and reopening the engines, and the errors when that cannot be done. */
class EnginesTest {

    private static final long DEADLINE_SECONDS = 60;

    @TempDir
    Path dir;

    @Test
    void opensBothEnginesUnderTheDataDirectory() {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(engines.kv().path()).isEqualTo(dir.toAbsolutePath().resolve("kv"));
            assertThat(engines.raft().path()).isEqualTo(dir.toAbsolutePath().resolve("raft"));
            assertThat(engines.kv().kind().columnFamilies()).containsExactlyInAnyOrder(Cf.values());
            assertThat(engines.raft().kind().columnFamilies()).containsExactly(Cf.DEFAULT);
        }
        assertThat(dir.resolve("kv").resolve("CURRENT")).exists();
        assertThat(dir.resolve("raft").resolve("CURRENT")).exists();
    }

    @Test
    void restartKeepsDataInBothEngines() {
        byte[] raftStateKey = Keys.raftStateKey(3);
        var raftState = RaftServerpb.RaftLocalState.newBuilder()
                .setLastIndex(42)
                .setLastTerm(5)
                .build();
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            try (EngineWriteBatch batch = engines.raft().newWriteBatch()) {
                engines.raft().write(batch.put(Cf.DEFAULT, raftStateKey, raftState), true);
            }
            try (EngineWriteBatch batch = engines.kv().newWriteBatch()) {
                batch.put(Cf.LOCK, bytes("k"), bytes("lock"));
                // Unsynced: close must still make it durable.
                engines.kv().write(batch.put(Cf.WRITE, bytes("k"), bytes("write")), false);
            }
        }
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(engines.raft().getMessage(Cf.DEFAULT, raftStateKey, RaftServerpb.RaftLocalState.parser()))
                    .isEqualTo(raftState);
            assertThat(string(engines.kv().get(Cf.LOCK, bytes("k")))).isEqualTo("lock");
            assertThat(string(engines.kv().get(Cf.WRITE, bytes("k")))).isEqualTo("write");
            assertThat(engines.kv().get(Cf.DEFAULT, bytes("k"))).isNull();
        }
    }

    @Test
    void secondOpenOfAnOpenDataDirectoryFailsClearlyAndHarmsNothing() {
        try (Engines first = Engines.open(dir, SMALL_CONFIG)) {
            try (EngineWriteBatch batch = first.kv().newWriteBatch()) {
                first.kv().write(batch.put(Cf.DEFAULT, bytes("a"), bytes("1")), true);
            }
            assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining(dir.toAbsolutePath().resolve("raft").toString())
                    .hasMessageContaining("locked");
            // The first instance is untouched and keeps working.
            assertThat(string(first.kv().get(Cf.DEFAULT, bytes("a")))).isEqualTo("1");
            try (EngineWriteBatch batch = first.kv().newWriteBatch()) {
                first.kv().write(batch.put(Cf.DEFAULT, bytes("b"), bytes("2")), true);
            }
        }
        // The failed attempt released everything it had opened: the directory opens again.
        try (Engines again = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(string(again.kv().get(Cf.DEFAULT, bytes("b")))).isEqualTo("2");
        }
    }

    @Test
    void dataDirectoryHeldByAnotherProcessCannotBeOpened() throws Exception {
        Process child = HoldDataDirectory.start(dir, List.of());
        try {
            assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining(dir.toAbsolutePath().resolve("raft").toString())
                    .hasMessageContaining("locked");

            child.getOutputStream().close();
            assertThat(child.waitFor(HoldDataDirectory.CHILD_DEADLINE_SECONDS, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(child.exitValue()).isZero();
        } finally {
            child.destroyForcibly();
        }
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(engines.kv().get(Cf.DEFAULT, bytes("a"))).isNull();
        }
    }

    @Test
    void lockedKvEngineAloneIsReportedAndTheRaftEngineIsReleased() {
        // Both exist (a kv engine without its raft engine is refused before any locking).
        Engines.open(dir, SMALL_CONFIG).close();
        try (RocksDbOptions options = new RocksDbOptions(SMALL_CONFIG);
                Engine kv = Engine.open(Engine.Kind.KV, dir.resolve("kv"), options, new HaltRecorder())) {
            assertThat(kv.kind()).isEqualTo(Engine.Kind.KV);
            assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("kv engine at " + dir.toAbsolutePath().resolve("kv"))
                    .hasMessageContaining("locked");
        }
        // The raft engine opened by the failed attempt was closed again.
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(engines.raft().get(Cf.DEFAULT, bytes("x"))).isNull();
        }
    }

    @Test
    void dataDirectoryThatIsAFileIsRejectedNamingIt() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        assertThatThrownBy(() -> Engines.open(file, SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(file.toString());
        Files.createDirectories(dir.resolve("d"));
        Files.writeString(dir.resolve("d").resolve("raft"), "x");
        assertThatThrownBy(() -> Engines.open(dir.resolve("d"), SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(dir.resolve("d").resolve("raft").toString())
                .hasMessageContaining("not a directory");
    }

    @Test
    void corruptDatabaseRefusesToOpenNamingPathAndCause() throws Exception {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(engines.kv().get(Cf.DEFAULT, bytes("a"))).isNull();
        }
        // CURRENT names the live manifest; a torn CURRENT is corruption RocksDB must not guess past.
        Files.write(dir.resolve("kv").resolve("CURRENT"), "MANIFEST-garbage".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("kv engine at " + dir.toAbsolutePath().resolve("kv"))
                .hasMessageContaining("corrupt");
    }

    @Test
    void missingManifestIsReportedAsDamage() throws Exception {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(engines.kv().get(Cf.DEFAULT, bytes("a"))).isNull();
        }
        Files.write(dir.resolve("raft").resolve("CURRENT"), "MANIFEST-999999\n".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("raft engine at " + dir.toAbsolutePath().resolve("raft"))
                .hasMessageContaining("missing");
    }

    /** Without CURRENT, RocksDB would create a fresh database over the old files and lose them. */
    @Test
    void lostCurrentFileIsNotMistakenForAnEmptyDirectory() throws Exception {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            try (EngineWriteBatch batch = engines.kv().newWriteBatch()) {
                engines.kv().write(batch.put(Cf.DEFAULT, bytes("a"), bytes("1")), true);
            }
        }
        Files.delete(dir.resolve("kv").resolve("CURRENT"));
        assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("kv engine at " + dir.toAbsolutePath().resolve("kv"))
                .hasMessageContaining("no CURRENT file")
                .hasMessageContaining("MANIFEST-");
        try (var files = Files.list(dir.resolve("kv"))) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch("CURRENT"::equals);
        }
    }

    @Test
    void corruptRecordIsReportedWhenParsed() {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            byte[] key = Keys.raftStateKey(1);
            try (EngineWriteBatch batch = engines.raft().newWriteBatch()) {
                engines.raft().write(batch.put(Cf.DEFAULT, key, new byte[] {(byte) 0xff, 0x01}), true);
            }
            assertThatThrownBy(() -> engines.raft().getMessage(Cf.DEFAULT, key, RaftServerpb.RaftLocalState.parser()))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("corrupt record")
                    .hasMessageContaining(Keys.describe(key));
        }
    }

    @Test
    void raftEngineHasOnlyTheDefaultColumnFamilyAndTakesUnsyncedWrites() {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG);
                EngineWriteBatch batch = engines.raft().newWriteBatch()) {
            assertThatThrownBy(() -> batch.put(Cf.LOCK, bytes("k"), bytes("v")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("raft engine has no column family 'lock'");
            batch.put(Cf.DEFAULT, bytes("k"), bytes("v"));
            // A commit-index-only hard state is written unsynced (etcd's MustSync rule).
            engines.raft().write(batch, false);
            assertThat(engines.raft().get(Cf.DEFAULT, bytes("k"))).isEqualTo(bytes("v"));
        }
    }

    @Test
    void batchOfOneEngineCannotBeWrittenToTheOther() {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG);
                EngineWriteBatch batch = engines.kv().newWriteBatch()) {
            batch.put(Cf.DEFAULT, bytes("k"), bytes("v"));
            assertThatThrownBy(() -> engines.raft().write(batch, true))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("kv engine written to the raft engine");
        }
    }

    /**
     * Threads keep reading, iterating and writing while the engines close under them: each must
     * stop with IllegalStateException; freeing native memory under them would crash the JVM.
     */
    @Test
    void closingWhileOtherThreadsUseTheEnginesIsSafe() throws Exception {
        Engines engines = Engines.open(dir, SMALL_CONFIG);
        Engine kv = engines.kv();
        try (EngineWriteBatch batch = kv.newWriteBatch()) {
            kv.write(batch.put(Cf.DEFAULT, bytes("a"), bytes("1")).put(Cf.DEFAULT, bytes("b"), bytes("2")), true);
        }
        int workers = 3;
        CountDownLatch started = new CountDownLatch(workers);
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<Throwable>> outcomes = new ArrayList<>();
        try {
            for (int w = 0; w < workers; w++) {
                int worker = w;
                outcomes.add(pool.submit(() -> {
                    try {
                        for (long round = 0; ; round++) {
                            switch (worker) {
                                case 0 ->
                                    assertThat(string(kv.get(Cf.DEFAULT, bytes("a"))))
                                            .isEqualTo("1");
                                case 1 -> {
                                    try (SnapshotReader reader = kv.snapshot();
                                            KvIterator it = reader.iterator(Cf.DEFAULT)) {
                                        it.seekToFirst();
                                        assertThat(TestData.keysForward(it)).startsWith("a", "b");
                                    }
                                }
                                default -> {
                                    try (EngineWriteBatch batch = kv.newWriteBatch()) {
                                        kv.write(batch.put(Cf.LOCK, bytes("w"), bytes(Long.toString(round))), false);
                                    }
                                }
                            }
                            if (round == 0) {
                                started.countDown();
                            }
                        }
                    } catch (Throwable t) {
                        started.countDown();
                        return t;
                    }
                }));
            }
            assertThat(started.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
            engines.close();
            for (Future<Throwable> outcome : outcomes) {
                assertThat(outcome.get(DEADLINE_SECONDS, TimeUnit.SECONDS))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("closed");
            }
        } finally {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS))
                    .isTrue();
        }
    }

    @Test
    void closingReleasesOpenReadersAndLaterUseFailsCleanly() {
        Engines engines = Engines.open(dir, SMALL_CONFIG);
        try (EngineWriteBatch batch = engines.kv().newWriteBatch()) {
            engines.kv().write(batch.put(Cf.DEFAULT, bytes("a"), bytes("1")), true);
        }
        SnapshotReader reader = engines.kv().snapshot();
        KvIterator iterator = reader.iterator(Cf.DEFAULT);
        iterator.seekToFirst();
        assertThat(iterator.valid()).isTrue();
        EngineWriteBatch leftOpen = engines.kv().newWriteBatch();

        engines.close();

        assertThatThrownBy(iterator::next)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> reader.get(Cf.DEFAULT, bytes("a"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> engines.kv().get(Cf.DEFAULT, bytes("a"))).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> leftOpen.put(Cf.DEFAULT, bytes("b"), bytes("2")))
                .isInstanceOf(IllegalStateException.class);
        // Closing again, and closing what the engine already released, are harmless.
        iterator.close();
        reader.close();
        leftOpen.close();
        engines.close();
    }
}
