package io.tinykv.storage;

import static io.tinykv.storage.TestData.SMALL_CONFIG;
import static io.tinykv.storage.TestData.bytes;
import static io.tinykv.storage.TestData.string;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail-stop in the storage layer (DESIGN.md §6): the fault seam really fails what it arms, a
 * failed sync at close halts, a failed standalone write halts and refuses every later write, and
 * a kv engine without its raft engine refuses to start.
 */
class FailStopTest {

    private static final Kvrpcpb.Context CTX = Kvrpcpb.Context.getDefaultInstance();

    @TempDir
    Path dir;

    private static void put(Engine engine, String key, String value, boolean sync) {
        try (EngineWriteBatch wb = engine.newWriteBatch()) {
            engine.write(wb.put(Cf.DEFAULT, bytes(key), bytes(value)), sync);
        }
    }

    @Test
    void theSeamFailsExactlyWhatItArms() {
        StorageFaults faults = new StorageFaults();
        try (Engines engines = Engines.open(dir, SMALL_CONFIG, new HaltRecorder())) {
            engines.kv().injectFaults(faults);
            faults.fail(StorageFaults.Point.SYNC);
            put(engines.kv(), "a", "1", false);
            assertThatThrownBy(() -> engines.kv().syncWal())
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("injected fault");
            faults.heal(StorageFaults.Point.SYNC).fail(StorageFaults.Point.WRITE);
            assertThatThrownBy(() -> put(engines.kv(), "b", "2", true)).isInstanceOf(StorageException.class);
            assertThat(faults.injected()).isEqualTo(2);
            assertThat(engines.kv().get(Cf.DEFAULT, bytes("b")))
                    .as("the failed write wrote nothing")
                    .isNull();
            faults.heal(StorageFaults.Point.WRITE);
            engines.kv().injectFaults(null);
        }
    }

    @Test
    void aFailedSyncAtCloseHaltsInsteadOfExitingCleanly() {
        HaltRecorder halter = new HaltRecorder();
        StorageFaults faults = new StorageFaults().fail(StorageFaults.Point.SYNC);
        Engines engines = Engines.open(dir, SMALL_CONFIG, halter);
        put(engines.kv(), "a", "1", false);
        engines.kv().injectFaults(faults);
        assertThatThrownBy(engines::close).isInstanceOf(ProcessHalter.HaltedException.class);
        assertThat(faults.injected()).isEqualTo(1);
        assertThat(halter.halts())
                .singleElement()
                .satisfies(h ->
                        assertThat(h.path()).contains("closing the kv engine").contains("WAL sync"));
        // Both databases were still closed: the directory opens again.
        try (Engines reopened = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(reopened.raft().path()).exists();
        }
    }

    @Test
    void aFailedStandaloneWriteHaltsAndLaterWritesAreRefused() {
        HaltRecorder halter = new HaltRecorder();
        StorageFaults faults = new StorageFaults();
        Engines engines = Engines.open(dir, SMALL_CONFIG, halter);
        try (StandaloneStorage storage = new StandaloneStorage(engines, halter)) {
            storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, bytes("before"), bytes("1"))));
            engines.kv().injectFaults(faults.fail(StorageFaults.Point.WRITE));
            assertThatThrownBy(
                            () -> storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, bytes("failed"), bytes("2")))))
                    .isInstanceOf(ProcessHalter.HaltedException.class);
            assertThat(faults.injected()).isEqualTo(1);
            assertThat(halter.halts())
                    .singleElement()
                    .satisfies(h -> assertThat(h.path()).contains("standalone write"));
            // The disk "recovers": the store must still not trust it.
            faults.heal(StorageFaults.Point.WRITE);
            assertThatThrownBy(
                            () -> storage.write(CTX, List.of(new Modify.Put(Cf.DEFAULT, bytes("after"), bytes("3")))))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("refused");
            assertThat(faults.injected())
                    .as("the refused write never reached the engine")
                    .isEqualTo(1);
            try (StorageReader reader = storage.reader(CTX)) {
                assertThat(string(reader.get(Cf.DEFAULT, bytes("before")))).isEqualTo("1");
                assertThat(reader.get(Cf.DEFAULT, bytes("failed"))).isNull();
                assertThat(reader.get(Cf.DEFAULT, bytes("after"))).isNull();
            }
        }
        assertThat(halter.halts()).hasSize(1);
    }

    @Test
    void aKvEngineWithoutItsRaftEngineRefusesToStart() throws Exception {
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            put(engines.raft(), "hard-state", "term 7, vote 2", true);
            put(engines.kv(), "a", "1", true);
        }
        Path raft = dir.resolve(Engines.RAFT_DIR_NAME);
        try (var files = Files.walk(raft)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(
                        dir.toAbsolutePath().resolve(Engines.KV_DIR_NAME).toString())
                .hasMessageContaining(raft.toAbsolutePath().toString())
                .hasMessageContaining("refusing to create a new raft engine");
        assertThat(raft).as("nothing was recreated").doesNotExist();
        // An empty raft directory (a volume mounted empty) is refused the same way.
        Files.createDirectories(raft);
        assertThatThrownBy(() -> Engines.open(dir, SMALL_CONFIG))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("refusing to create a new raft engine");
    }

    @Test
    void aRaftEngineWithoutKvEngineIsAFirstStartThatCrashedAndOpens() throws Exception {
        // The raft engine is created first: a crash before the kv engine leaves just it.
        Files.createDirectories(dir);
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            put(engines.raft(), "x", "y", true);
        }
        try (var files = Files.walk(dir.resolve(Engines.KV_DIR_NAME))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        try (Engines engines = Engines.open(dir, SMALL_CONFIG)) {
            assertThat(string(engines.raft().get(Cf.DEFAULT, bytes("x")))).isEqualTo("y");
        }
    }
}
