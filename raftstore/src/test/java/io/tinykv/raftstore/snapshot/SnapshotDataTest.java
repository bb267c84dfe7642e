package io.tinykv.raftstore.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.RaftTruncatedState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.raft.Ready;
import io.tinykv.raft.SnapshotTemporarilyUnavailableException;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SnapshotReader;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SST snapshots: generation on a worker, the files' checks, transfer, installation, crash recovery. */
class SnapshotDataTest {

    /** Region 1 holds [b, m) on stores 1-3; keys outside it belong to other regions. */
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    private static final SnapshotKey KEY = new SnapshotKey(1, 5, 5);
    private static final int CHUNK_BYTES = 100;

    @TempDir
    Path dir;

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(Engines engines, Cf cf, String key, String value) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.put(cf, Keys.dataKey(raw(key)), raw(value));
            engines.kv().write(wb, true);
        }
    }

    private static String get(Engines engines, Cf cf, String key) {
        byte[] value = engines.kv().get(cf, Keys.dataKey(raw(key)));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static RaftSnapshotData buildFrom(Engines engines, SnapshotManager manager, SnapshotKey key) {
        try (SnapshotReader reader = engines.kv().snapshot()) {
            return SnapshotData.build(REGION, reader, manager, key);
        }
    }

    private static RaftMessage message(RaftSnapshotData data, long index, long term) {
        return RaftMessage.newBuilder()
                .setRegionId(REGION.getId())
                .setFromPeer(REGION.getPeers(0))
                .setToPeer(REGION.getPeers(1))
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                        .setSnapshot(Snapshot.newBuilder()
                                .setData(data.toByteString())
                                .setMetadata(SnapshotMetadata.newBuilder()
                                        .setIndex(index)
                                        .setTerm(term)
                                        .setConfState(ConfState.newBuilder()
                                                .addVoters(1)
                                                .addVoters(2)
                                                .addVoters(3)))))
                .build();
    }

    /** Streams the generated files of {@code message} from one manager into another, as a transport does. */
    private static void transfer(SnapshotManager from, SnapshotManager to, RaftMessage message) {
        try (SnapshotFileReader files = SnapshotFileReader.open(from, message, CHUNK_BYTES);
                SnapshotReceiver receiver = SnapshotReceiver.start(to, message, Long.MAX_VALUE)) {
            while (files.hasNext()) {
                receiver.accept(files.next());
            }
            receiver.finish();
        }
    }

    @Test
    void buildWritesOneSstFilePerNonEmptyColumnFamilyOfTheRegionsRange() {
        try (Engines engines = TestEngines.open(dir.resolve("store"))) {
            SnapshotManager manager = SnapshotManager.open(engines.dataDir());
            put(engines, Cf.DEFAULT, "a", "outside");
            put(engines, Cf.DEFAULT, "c", "in");
            put(engines, Cf.WRITE, "d", "in");
            put(engines, Cf.DEFAULT, "m", "outside (the end is exclusive)");
            RaftSnapshotData data = buildFrom(engines, manager, KEY);
            SnapshotData.ParsedSnapshot parsed = SnapshotData.parse(data.toByteString(), 1);
            assertThat(parsed.region()).isEqualTo(REGION);
            assertThat(parsed.cfs())
                    .as("the lock column family is empty: no file")
                    .containsExactly(Cf.DEFAULT, Cf.WRITE);
            assertThat(data.getDataCount()).as("no inline pairs").isZero();
            assertThat(Files.exists(manager.generatedFile(KEY, Cf.LOCK))).isFalse();
            long total = 0;
            for (var file : parsed.files()) {
                Path path = manager.generatedFile(KEY, Cf.fromApiName(file.getCf()));
                assertThat(path).exists().hasSize(file.getSize());
                assertThat((int) SnapshotData.crc32c(path)).isEqualTo(file.getChecksum());
                total += file.getSize();
            }
            assertThat(data.getFileSize()).isEqualTo(total);
            SnapshotData.verifyFiles(parsed, cf -> manager.generatedFile(KEY, cf));
            assertThat(manager.list()).as("no temporary file left").hasSize(2);
        }
    }

    @Test
    void damagedMissingOrTruncatedFilesAndBadMetadataAreRefusedNamingTheProblem() throws IOException {
        try (Engines engines = TestEngines.open(dir.resolve("store"))) {
            SnapshotManager manager = SnapshotManager.open(engines.dataDir());
            put(engines, Cf.DEFAULT, "c", "in");
            put(engines, Cf.LOCK, "c", "lock");
            RaftSnapshotData data = buildFrom(engines, manager, KEY);
            SnapshotData.ParsedSnapshot parsed = SnapshotData.parse(data.toByteString(), 1);
            Path lockFile = manager.generatedFile(KEY, Cf.LOCK);
            byte[] original = Files.readAllBytes(lockFile);

            byte[] flipped = original.clone();
            flipped[flipped.length / 2] ^= 0x40;
            Files.write(lockFile, flipped);
            assertThatThrownBy(() -> SnapshotData.verifyFiles(parsed, cf -> manager.generatedFile(KEY, cf)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("corrupt")
                    .hasMessageContaining(lockFile.toString());
            try (RandomAccessFile file = new RandomAccessFile(lockFile.toFile(), "rw")) {
                file.setLength(original.length - 1);
            }
            assertThatThrownBy(() -> SnapshotData.verifyFiles(parsed, cf -> manager.generatedFile(KEY, cf)))
                    .hasMessageContaining("truncated");
            Files.delete(lockFile);
            assertThatThrownBy(() -> SnapshotData.verifyFiles(parsed, cf -> manager.generatedFile(KEY, cf)))
                    .hasMessageContaining("missing");

            assertThatThrownBy(() -> SnapshotData.parse(data.toByteString(), 2))
                    .hasMessageContaining("region 1 sent to region 2");
            assertThatThrownBy(() -> SnapshotData.parse(ByteString.copyFromUtf8("garbage"), 1))
                    .hasMessageContaining("does not parse");
            assertThatThrownBy(() -> SnapshotData.parse(
                            data.toBuilder().setFileSize(1).build().toByteString(), 1))
                    .hasMessageContaining("account for");
            assertThatThrownBy(() -> SnapshotData.parse(
                            data.toBuilder()
                                    .setMeta(data.getMeta().toBuilder()
                                            .addCfFiles(data.getMeta().getCfFiles(0)))
                                    .build()
                                    .toByteString(),
                            1))
                    .hasMessageContaining("twice");
        }
    }

    @Test
    void theReceiverRefusesDamagedTruncatedOrOverlongStreamsAndLeavesNothingBehind() {
        try (Engines engines = TestEngines.open(dir.resolve("store"))) {
            SnapshotManager sender = SnapshotManager.open(engines.dataDir());
            SnapshotManager receiving = SnapshotManager.open(dir.resolve("other"));
            for (int i = 0; i < 50; i++) {
                put(engines, Cf.DEFAULT, "c" + i, "value " + i);
            }
            RaftMessage message = message(buildFrom(engines, sender, new SnapshotKey(1, 7, 20)), 20, 7);
            List<ByteString> chunks = new ArrayList<>();
            try (SnapshotFileReader files = SnapshotFileReader.open(sender, message, CHUNK_BYTES)) {
                while (files.hasNext()) {
                    chunks.add(files.next());
                }
            }
            assertThat(chunks.size()).as("several chunks").isGreaterThan(2);
            assertThat(chunks).allSatisfy(c -> assertThat(c.size()).isBetween(1, CHUNK_BYTES));

            try (SnapshotReceiver receiver = SnapshotReceiver.start(receiving, message, Long.MAX_VALUE)) {
                ByteString bad = chunks.get(1)
                        .substring(1)
                        .concat(ByteString.copyFrom(
                                new byte[] {(byte) ~chunks.get(1).byteAt(0)})); // same size, different bytes
                receiver.accept(chunks.get(0));
                assertThatThrownBy(() -> {
                            receiver.accept(bad);
                            for (ByteString c : chunks.subList(2, chunks.size())) {
                                receiver.accept(c);
                            }
                        })
                        .hasMessageContaining("arrived corrupt");
            }
            assertThat(receiving.list()).as("partial files are deleted").isEmpty();

            try (SnapshotReceiver receiver = SnapshotReceiver.start(receiving, message, Long.MAX_VALUE)) {
                chunks.subList(0, chunks.size() - 1).forEach(receiver::accept);
                assertThatThrownBy(receiver::finish).hasMessageContaining("truncated");
            }
            assertThat(receiving.list()).isEmpty();

            try (SnapshotReceiver receiver = SnapshotReceiver.start(receiving, message, Long.MAX_VALUE)) {
                chunks.forEach(receiver::accept);
                assertThatThrownBy(() -> receiver.accept(ByteString.copyFromUtf8("x")))
                        .hasMessageContaining("more bytes");
            }
            assertThat(receiving.list()).isEmpty();

            assertThatThrownBy(() -> SnapshotReceiver.start(receiving, message, 10))
                    .hasMessageContaining("more than");
        }
    }

    @Test
    void snapshotIsGeneratedOnTheWorkerAndInstalledWithoutTouchingOtherRegions() {
        List<Runnable> worker = new ArrayList<>();
        Snapshot snapshot;
        SnapshotManager leaderSnapshots;
        try (Engines leader = TestEngines.open(dir.resolve("leader"))) {
            leaderSnapshots = SnapshotManager.open(leader.dataDir());
            PeerStorage.writeBootstrapState(leader, REGION);
            PeerStorage storage = PeerStorage.open(leader, REGION, worker::add, leaderSnapshots);
            put(leader, Cf.DEFAULT, "c", "new");
            put(leader, Cf.LOCK, "e", "lock");
            assertThatThrownBy(storage::snapshot).isInstanceOf(SnapshotTemporarilyUnavailableException.class);
            assertThatThrownBy(storage::snapshot)
                    .as("still generating")
                    .isInstanceOf(SnapshotTemporarilyUnavailableException.class);
            assertThat(worker).hasSize(1);
            assertThat(leaderSnapshots.list())
                    .as("nothing written on the Raft thread")
                    .isEmpty();
            worker.remove(0).run();
            snapshot = storage.snapshot();
            assertThat(snapshot.getMetadata().getIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(snapshot.getMetadata().getConfState().getVotersList()).containsExactly(1L, 2L, 3L);
            assertThat(leaderSnapshots.list()).hasSize(2);
        }
        // Pretend the snapshot is further ahead than the follower, as when it is sent.
        long index = 20;
        long term = 7;
        SnapshotKey generated = new SnapshotKey(1, PeerStorage.RAFT_INIT_LOG_TERM, PeerStorage.RAFT_INIT_LOG_INDEX);
        SnapshotKey sent = new SnapshotKey(1, term, index);
        for (Cf cf : List.of(Cf.DEFAULT, Cf.LOCK)) {
            try {
                Files.copy(leaderSnapshots.generatedFile(generated, cf), leaderSnapshots.generatedFile(sent, cf));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
        RaftMessage message = message(
                RaftSnapshotData.newBuilder().mergeFrom(parseData(snapshot)).build(), index, term);
        try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
            SnapshotManager followerSnapshots = SnapshotManager.open(follower.dataDir());
            transfer(leaderSnapshots, followerSnapshots, message);
            assertThat(followerSnapshots.list())
                    .as("two SST files and the metadata")
                    .hasSize(3);
            put(follower, Cf.DEFAULT, "a", "other region");
            put(follower, Cf.LOCK, "n", "other region's lock");
            put(follower, Cf.DEFAULT, "d", "stale, not in the snapshot");
            PeerStorage storage = PeerStorage.open(
                    follower, Metapb.Region.newBuilder().setId(1).build(), worker::add, followerSnapshots);
            storage.noteReceivedSnapshot(sent);
            try (EngineWriteBatch raftWb = follower.raft().newWriteBatch()) {
                storage.saveReady(
                        new Ready(
                                null,
                                HardState.newBuilder()
                                        .setTerm(term)
                                        .setCommit(index)
                                        .build(),
                                List.of(),
                                List.of(),
                                message.getMessage().getSnapshot(),
                                List.of(),
                                List.of()),
                        raftWb);
                follower.raft().write(raftWb, true);
            }
            assertThat(storage.appliedIndex()).isEqualTo(index);
            assertThat(storage.firstIndex()).isEqualTo(index + 1);
            assertThat(storage.term(index)).isEqualTo(term);
            assertThat(storage.region()).isEqualTo(REGION);
            assertThat(get(follower, Cf.DEFAULT, "c")).isEqualTo("new");
            assertThat(get(follower, Cf.LOCK, "e")).isEqualTo("lock");
            assertThat(get(follower, Cf.DEFAULT, "d")).isNull();
            assertThat(get(follower, Cf.DEFAULT, "a"))
                    .as("another region's data")
                    .isEqualTo("other region");
            assertThat(get(follower, Cf.LOCK, "n")).as("another region's data").isEqualTo("other region's lock");
            assertThat(followerSnapshots.list())
                    .as("installed files are deleted")
                    .isEmpty();
            RegionLocalState state =
                    follower.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(1), RegionLocalState.parser());
            assertThat(state.getState()).isEqualTo(PeerState.Normal);
        }
        try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
            PeerStorage reopened = PeerStorage.open(follower, REGION, worker::add);
            assertThat(reopened.appliedIndex()).isEqualTo(index);
            assertThat(reopened.lastIndex()).isEqualTo(index);
            assertThat(get(follower, Cf.DEFAULT, "c")).isEqualTo("new");
        }
    }

    private static RaftSnapshotData parseData(Snapshot snapshot) {
        try {
            return RaftSnapshotData.parseFrom(snapshot.getData());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void anInstallationInterruptedByACrashIsFinishedFromTheKeptFiles() {
        SnapshotKey key = new SnapshotKey(1, 8, 30);
        RaftMessage message;
        try (Engines leader = TestEngines.open(dir.resolve("leader"))) {
            put(leader, Cf.DEFAULT, "c", "from the snapshot");
            SnapshotManager leaderSnapshots = SnapshotManager.open(leader.dataDir());
            message = message(buildFrom(leader, leaderSnapshots, key), 30, 8);
            try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
                SnapshotManager followerSnapshots = SnapshotManager.open(follower.dataDir());
                transfer(leaderSnapshots, followerSnapshots, message);
                // The state the first of the installation's writes leaves: range cleared, Applying.
                put(follower, Cf.DEFAULT, "c", "old, half replaced");
                put(follower, Cf.DEFAULT, "z", "other region");
                try (EngineWriteBatch wb = follower.kv().newWriteBatch()) {
                    wb.put(
                            Cf.DEFAULT,
                            Keys.applyStateKey(1),
                            RaftApplyState.newBuilder()
                                    .setAppliedIndex(30)
                                    .setTruncatedState(RaftTruncatedState.newBuilder()
                                            .setIndex(30)
                                            .setTerm(8))
                                    .build());
                    wb.put(
                            Cf.DEFAULT,
                            Keys.regionStateKey(1),
                            RegionLocalState.newBuilder()
                                    .setState(PeerState.Applying)
                                    .setRegion(REGION)
                                    .build());
                    follower.kv().write(wb, true);
                }
                RegionLocalState state =
                        follower.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(1), RegionLocalState.parser());
                var outcome = PeerStorage.resumeApplyingSnapshot(follower, followerSnapshots, state);
                assertThat(outcome).isInstanceOf(PeerStorage.SnapshotResume.Installed.class);
                RegionLocalState resumed = ((PeerStorage.SnapshotResume.Installed) outcome).state();
                assertThat(resumed.getState()).isEqualTo(PeerState.Normal);
                assertThat(get(follower, Cf.DEFAULT, "c")).isEqualTo("from the snapshot");
                assertThat(get(follower, Cf.DEFAULT, "z")).isEqualTo("other region");
                assertThat(follower.kv()
                                .getMessage(Cf.DEFAULT, Keys.regionStateKey(1), RegionLocalState.parser())
                                .getState())
                        .isEqualTo(PeerState.Normal);
                assertThat(followerSnapshots.list()).isEmpty();
                // Without its files the installation cannot finish: the peer waits for a fresh
                // snapshot (SnapshotResumeTest), its half-installed data erased.
                assertThat(PeerStorage.resumeApplyingSnapshot(follower, followerSnapshots, state))
                        .isInstanceOf(PeerStorage.SnapshotResume.AwaitingFreshSnapshot.class);
                assertThat(get(follower, Cf.DEFAULT, "c")).isNull();
                assertThat(get(follower, Cf.DEFAULT, "z")).isEqualTo("other region");
            }
        }
    }

    @Test
    void aCrashBetweenTheSnapshotsKvAndRaftWritesIsRepairedAtOpen() {
        List<Runnable> worker = new ArrayList<>();
        SnapshotKey key = new SnapshotKey(1, 8, 30);
        try (Engines engines = TestEngines.open(dir)) {
            put(engines, Cf.DEFAULT, "c", "v");
            SnapshotManager snapshots = SnapshotManager.open(engines.dataDir());
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, worker::add, snapshots);
            RaftMessage message = message(buildFrom(engines, snapshots, key), 30, 8);
            // Receive our own generated files as if from a leader.
            transfer(snapshots, snapshots, message);
            try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
                storage.saveReady(
                        new Ready(
                                null,
                                HardState.newBuilder().setTerm(8).setCommit(30).build(),
                                List.of(),
                                List.of(),
                                message.getMessage().getSnapshot(),
                                List.of(),
                                List.of()),
                        raftWb);
                // The raft-engine half is never written: the process died here.
            }
        }
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage storage = PeerStorage.open(engines, REGION, worker::add);
            assertThat(storage.appliedIndex()).isEqualTo(30);
            assertThat(storage.lastIndex()).isEqualTo(30);
            assertThat(storage.term(30)).isEqualTo(8);
            assertThat(storage.initialState().hardState().getCommit()).isEqualTo(30);
        }
    }

    /** Generates, streams and installs a region of some size; prints sizes and times (not asserted). */
    @Test
    void aRegionOfTwentyThousandKeysTravelsAsSstFilesAndArrivesWhole() {
        int keys = 20_000;
        SnapshotKey key = new SnapshotKey(1, 9, 50);
        try (Engines leader = TestEngines.open(dir.resolve("leader"));
                Engines follower = TestEngines.open(dir.resolve("follower"))) {
            try (EngineWriteBatch wb = leader.kv().newWriteBatch()) {
                for (int i = 0; i < keys; i++) {
                    wb.put(
                            i % 3 == 0 ? Cf.WRITE : Cf.DEFAULT,
                            Keys.dataKey(raw(String.format("c%08d", i))),
                            raw("value of key " + i + " padded to look like a row ........................"));
                }
                leader.kv().write(wb, true);
            }
            SnapshotManager leaderSnapshots = SnapshotManager.open(leader.dataDir());
            SnapshotManager followerSnapshots = SnapshotManager.open(follower.dataDir());
            long t0 = System.nanoTime();
            RaftSnapshotData data = buildFrom(leader, leaderSnapshots, key);
            long t1 = System.nanoTime();
            RaftMessage message = message(data, 50, 9);
            try (SnapshotFileReader files = SnapshotFileReader.open(leaderSnapshots, message, 1024 * 1024);
                    SnapshotReceiver receiver = SnapshotReceiver.start(followerSnapshots, message, Long.MAX_VALUE)) {
                while (files.hasNext()) {
                    receiver.accept(files.next());
                }
                receiver.finish();
            }
            long t2 = System.nanoTime();
            PeerStorage storage = PeerStorage.open(
                    follower, Metapb.Region.newBuilder().setId(1).build(), Runnable::run, followerSnapshots);
            try (EngineWriteBatch raftWb = follower.raft().newWriteBatch()) {
                storage.saveReady(
                        new Ready(
                                null,
                                HardState.newBuilder().setTerm(9).setCommit(50).build(),
                                List.of(),
                                List.of(),
                                message.getMessage().getSnapshot(),
                                List.of(),
                                List.of()),
                        raftWb);
                follower.raft().write(raftWb, true);
            }
            long t3 = System.nanoTime();
            int count = 0;
            try (SnapshotReader reader = follower.kv().snapshot()) {
                for (Cf cf : Cf.values()) {
                    try (var it = reader.iterator(cf, Keys.DATA_MIN_KEY, Keys.DATA_MAX_KEY)) {
                        for (it.seekToFirst(); it.valid(); it.next()) {
                            count++;
                        }
                    }
                }
            }
            assertThat(count).isEqualTo(keys);
            assertThat(get(follower, Cf.WRITE, String.format("c%08d", 3))).startsWith("value of key 3 ");
            System.out.printf(
                    "snapshot of %d keys: %d bytes in %d SST files; generate %d ms, stream %d ms," + " install %d ms%n",
                    keys,
                    data.getFileSize(),
                    data.getMeta().getCfFilesCount(),
                    (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000,
                    (t3 - t2) / 1_000_000);
        }
    }

    @Test
    void leftoversAreRemovedAtStartUpExceptWhatAnInstallationStillNeeds() throws IOException {
        SnapshotManager manager = SnapshotManager.open(dir);
        SnapshotKey keep = new SnapshotKey(3, 2, 40);
        Files.writeString(manager.generatedFile(KEY, Cf.DEFAULT), "stale");
        Files.writeString(manager.receivedFile(KEY, Cf.WRITE), "stale");
        Files.writeString(manager.tempFor(manager.receivedFile(KEY, Cf.LOCK)), "half written");
        Files.writeString(manager.receivedFile(keep, Cf.DEFAULT), "needed");
        Files.writeString(manager.receivedMeta(keep), "needed");
        manager.removeLeftovers(List.of(keep));
        assertThat(manager.list())
                .containsExactlyInAnyOrder(manager.receivedFile(keep, Cf.DEFAULT), manager.receivedMeta(keep));
        manager.deleteRegion(3);
        assertThat(manager.list()).isEmpty();
    }
}
