package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.raft.SnapshotTemporarilyUnavailableException;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.snapshot.SnapshotData;
import io.tinykv.raftstore.snapshot.SnapshotFileReader;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.HaltRecorder;
import io.tinykv.storage.Keys;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageFaults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fail-stop on the store's workers and snapshot files (DESIGN.md §6): a failed sync halts the
 * process with a line naming the path, and nothing after the failure runs — above all, log GC
 * never deletes entries after a failed kv WAL sync. Faults come from the storage test seam.
 */
class WorkerFailStopTest {

    private static final long DEADLINE_SECONDS = 60;
    private static final int CHUNK_BYTES = 100;
    private static final long REGION_ID = 1;
    private static final Metapb.Region REGION = TestEngines.region(REGION_ID, 1, 1, 2, 2).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    @TempDir
    Path dir;

    private final HaltRecorder halter = new HaltRecorder();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("test-worker").factory());

    @AfterEach
    void stopThread() throws InterruptedException {
        thread.shutdownNow();
        assertThat(thread.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void writeLog(Engines engines, long from, long to) {
        try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
            for (long i = from; i <= to; i++) {
                wb.put(
                        Cf.DEFAULT,
                        Keys.raftLogKey(REGION_ID, i),
                        Eraftpb.Entry.newBuilder().setIndex(i).setTerm(1).build());
            }
            engines.raft().write(wb, true);
        }
    }

    private static boolean hasEntry(Engines engines, long index) {
        return engines.raft().get(Cf.DEFAULT, Keys.raftLogKey(REGION_ID, index)) != null;
    }

    /** Waits until every task handed to the worker thread so far has run. */
    private void drainThread() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        thread.execute(done::countDown);
        assertThat(done.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void logGcDeletesNothingAfterAFailedKvSyncAndNoLaterTaskRuns() throws Exception {
        try (Engines engines = TestEngines.open(dir)) {
            StorageFaults faults = new StorageFaults().fail(StorageFaults.Point.SYNC);
            engines.kv().injectFaults(faults);
            writeLog(engines, 1, 10);
            LogGcWorker gc = new LogGcWorker(engines, new FailStopExecutor(thread, engines, halter), halter);

            gc.scheduleDelete(REGION_ID, 5);
            HaltRecorder.Halt halt = halter.awaitHalt(DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertThat(faults.injected()).as("the sync really failed").isEqualTo(1);
            assertThat(halt.path()).contains("log GC of region 1").contains("kv WAL sync");
            // The disk "recovers" and another compaction comes: before, the executor swallowed the
            // first failure and this task's sync succeeded, so entries were deleted whose applied
            // effects the failed sync may have lost.
            faults.heal(StorageFaults.Point.SYNC);
            gc.scheduleDelete(REGION_ID, 8);
            drainThread();

            for (long i = 1; i <= 10; i++) {
                assertThat(hasEntry(engines, i)).as("entry %d is kept", i).isTrue();
            }
            assertThat(halter.halts()).hasSize(1);
            engines.kv().injectFaults(null);
        }
    }

    @Test
    void logGcWithoutFaultsDeletesUpToTheCompactIndex() throws Exception {
        try (Engines engines = TestEngines.open(dir)) {
            writeLog(engines, 1, 10);
            new LogGcWorker(engines, new FailStopExecutor(thread, engines, halter), halter)
                    .scheduleDelete(REGION_ID, 5);
            drainThread();
            assertThat(hasEntry(engines, 5)).isFalse();
            assertThat(hasEntry(engines, 6)).isTrue();
            assertThat(halter.halts()).isEmpty();
        }
    }

    @Test
    void anExceptionEscapingAnyWorkerTaskHalts() throws Exception {
        try (Engines engines = TestEngines.open(dir)) {
            FailStopExecutor workers = new FailStopExecutor(thread, engines, halter);
            workers.execute(() -> {
                throw new IllegalStateException("a bug in a worker");
            });
            HaltRecorder.Halt halt = halter.awaitHalt(DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertThat(halt.path()).isEqualTo("a store worker task");
            assertThat(halt.cause()).hasMessage("a bug in a worker");
            CountDownLatch ran = new CountDownLatch(1);
            workers.execute(ran::countDown);
            drainThread();
            assertThat(ran.getCount()).as("no task runs after the halt").isEqualTo(1);
        }
    }

    @Test
    void aTaskFailingBecauseTheEnginesClosedAtShutdownHaltsNothing() throws Exception {
        Engines engines = TestEngines.open(dir);
        FailStopExecutor workers = new FailStopExecutor(thread, engines, halter);
        engines.close();
        workers.execute(() -> engines.kv().syncWal());
        drainThread();
        assertThat(halter.halts()).isEmpty();
    }

    @Test
    void aFailedSnapshotGenerationHaltsInsteadOfBeingRetried() throws Exception {
        try (Engines engines = TestEngines.open(dir)) {
            RaftStore.bootstrapStore(engines, 1, 1);
            RaftStore.bootstrapRegion(engines, REGION);
            try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
                engines.kv().write(wb.put(Cf.DEFAULT, Keys.dataKey(raw("c")), raw("v")), true);
            }
            SnapshotManager snapshots = SnapshotManager.open(engines.dataDir(), halter);
            StorageFaults faults = new StorageFaults().fail(StorageFaults.Point.WRITE);
            snapshots.injectFaults(faults);
            PeerStorage storage =
                    PeerStorage.open(engines, REGION, new FailStopExecutor(thread, engines, halter), snapshots);

            assertThatThrownBy(storage::snapshot).isInstanceOf(SnapshotTemporarilyUnavailableException.class);
            HaltRecorder.Halt halt = halter.awaitHalt(DEADLINE_SECONDS, TimeUnit.SECONDS);
            assertThat(faults.injected()).isEqualTo(1);
            assertThat(halt.path()).contains("snapshot generation of region 1");
            // Raft asks again: no new generation runs on the halted workers.
            faults.heal(StorageFaults.Point.WRITE);
            assertThatThrownBy(storage::snapshot).isInstanceOf(SnapshotTemporarilyUnavailableException.class);
            drainThread();
            assertThat(snapshots.list())
                    .as("no snapshot file was generated after the failure")
                    .isEmpty();
            assertThat(halter.halts()).hasSize(1);
        }
    }

    @Test
    void aFailedSyncOfAReceivedSnapshotFileHaltsAndNothingIsKept() {
        SnapshotKey key = new SnapshotKey(REGION_ID, 5, 5);
        try (Engines leader = TestEngines.open(dir.resolve("leader"))) {
            try (EngineWriteBatch wb = leader.kv().newWriteBatch()) {
                leader.kv().write(wb.put(Cf.DEFAULT, Keys.dataKey(raw("c")), raw("v")), true);
            }
            SnapshotManager leaderSnapshots = SnapshotManager.open(leader.dataDir());
            RaftSnapshotData data;
            try (SnapshotReader reader = leader.kv().snapshot()) {
                data = SnapshotData.build(REGION, reader, leaderSnapshots, key);
            }
            RaftMessage message = RaftMessage.newBuilder()
                    .setRegionId(REGION_ID)
                    .setFromPeer(REGION.getPeers(0))
                    .setToPeer(REGION.getPeers(1))
                    .setMessage(Eraftpb.Message.newBuilder()
                            .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                            .setSnapshot(Snapshot.newBuilder()
                                    .setData(data.toByteString())
                                    .setMetadata(SnapshotMetadata.newBuilder()
                                            .setIndex(5)
                                            .setTerm(5)
                                            .setConfState(ConfState.newBuilder()
                                                    .addVoters(1)
                                                    .addVoters(2)))))
                    .build();

            SnapshotManager follower = SnapshotManager.open(dir.resolve("follower"), halter);
            StorageFaults faults = new StorageFaults().fail(StorageFaults.Point.SYNC);
            follower.injectFaults(faults);
            try (SnapshotFileReader files = SnapshotFileReader.open(leaderSnapshots, message, CHUNK_BYTES);
                    SnapshotReceiver receiver = SnapshotReceiver.start(follower, message, Long.MAX_VALUE)) {
                assertThatThrownBy(() -> {
                            while (files.hasNext()) {
                                receiver.accept(files.next());
                            }
                            receiver.finish();
                        })
                        .isInstanceOf(ProcessHalter.HaltedException.class);
            }
            assertThat(faults.injected()).isEqualTo(1);
            assertThat(halter.halts())
                    .singleElement()
                    .satisfies(h -> assertThat(h.path()).contains("syncing snapshot file"));
            assertThat(follower.list())
                    .as("the unsynced file never took its final name")
                    .isEmpty();
        }
    }
}
