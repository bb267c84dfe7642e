package io.tinykv.raftstore;

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
import io.tinykv.proto.RaftServerpb.RaftLocalState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.proto.RaftServerpb.RaftTruncatedState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.snapshot.SnapshotData;
import io.tinykv.raftstore.snapshot.SnapshotFileReader;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotManager.SnapshotKey;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageFaults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that stopped while installing a snapshot, and whose kept snapshot files are damaged at
 * restart, starts (no crash loop): the region's peer comes up empty, with its term and vote, and
 * answers its leader so that the leader sends a fresh snapshot.
 */
class SnapshotResumeTest {

    private static final long LEADER_STORE = 1;
    private static final long FOLLOWER_STORE = 2;
    /** Region 1 holds [b, m) with peer 1 on store 1 and peer 2 on store 2. */
    private static final Metapb.Region REGION = TestEngines.region(1, 1, LEADER_STORE, 2, FOLLOWER_STORE).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();

    private static final long SNAP_INDEX = 30;
    private static final long SNAP_TERM = 8;
    private static final long TERM = 9;
    private static final int CHUNK_BYTES = 100;

    @TempDir
    Path dir;

    private static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void put(Engines engines, String key, String value) {
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            engines.kv().write(wb.put(Cf.DEFAULT, Keys.dataKey(raw(key)), raw(value)), true);
        }
    }

    /** The leader's snapshot of [b, m) at (30, 8), received into the follower's snapshot directory. */
    private RaftMessage receiveSnapshot(Engines follower) {
        SnapshotKey key = new SnapshotKey(REGION.getId(), SNAP_TERM, SNAP_INDEX);
        RaftMessage message;
        try (Engines leader = TestEngines.open(dir.resolve("leader"))) {
            put(leader, "c", "from the snapshot");
            SnapshotManager leaderSnapshots = SnapshotManager.open(leader.dataDir());
            RaftSnapshotData data;
            try (SnapshotReader reader = leader.kv().snapshot()) {
                data = SnapshotData.build(REGION, reader, leaderSnapshots, key);
            }
            message = RaftMessage.newBuilder()
                    .setRegionId(REGION.getId())
                    .setFromPeer(REGION.getPeers(0))
                    .setToPeer(REGION.getPeers(1))
                    .setMessage(Eraftpb.Message.newBuilder()
                            .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                            .setSnapshot(Snapshot.newBuilder()
                                    .setData(data.toByteString())
                                    .setMetadata(SnapshotMetadata.newBuilder()
                                            .setIndex(SNAP_INDEX)
                                            .setTerm(SNAP_TERM)
                                            .setConfState(ConfState.newBuilder()
                                                    .addVoters(1)
                                                    .addVoters(2)))))
                    .build();
            SnapshotManager followerSnapshots = SnapshotManager.open(follower.dataDir());
            try (SnapshotFileReader files = SnapshotFileReader.open(leaderSnapshots, message, CHUNK_BYTES);
                    SnapshotReceiver receiver = SnapshotReceiver.start(followerSnapshots, message, Long.MAX_VALUE)) {
                while (files.hasNext()) {
                    receiver.accept(files.next());
                }
                receiver.finish();
            }
        }
        return message;
    }

    /** The follower as a crash in the middle of installing the leader's snapshot leaves it. */
    private void crashMidInstallation(Engines follower) throws Exception {
        SnapshotKey key = new SnapshotKey(REGION.getId(), SNAP_TERM, SNAP_INDEX);
        receiveSnapshot(follower);
        RaftStore.bootstrapStore(follower, 1, FOLLOWER_STORE);
        RaftStore.bootstrapRegion(follower, REGION);
        put(follower, "a", "another region");
        put(follower, "c", "half ingested");
        try (EngineWriteBatch raftWb = follower.raft().newWriteBatch()) {
            // The vote this replica gave in term 9 must survive whatever happens to the snapshot.
            RaftLocalState raftState =
                    follower.raft().getMessage(Cf.DEFAULT, Keys.raftStateKey(1), RaftLocalState.parser());
            follower.raft()
                    .write(
                            raftWb.put(
                                    Cf.DEFAULT,
                                    Keys.raftStateKey(1),
                                    raftState.toBuilder()
                                            .setHardState(raftState.getHardState().toBuilder()
                                                    .setTerm(TERM)
                                                    .setVote(1))
                                            .build()),
                            true);
        }
        try (EngineWriteBatch kvWb = follower.kv().newWriteBatch()) {
            kvWb.put(
                    Cf.DEFAULT,
                    Keys.applyStateKey(1),
                    RaftApplyState.newBuilder()
                            .setAppliedIndex(SNAP_INDEX)
                            .setTruncatedState(RaftTruncatedState.newBuilder()
                                    .setIndex(SNAP_INDEX)
                                    .setTerm(SNAP_TERM))
                            .build());
            kvWb.put(
                    Cf.DEFAULT,
                    Keys.regionStateKey(1),
                    RegionLocalState.newBuilder()
                            .setState(PeerState.Applying)
                            .setRegion(REGION)
                            .build());
            follower.kv().write(kvWb, true);
        }
        // The disk damaged the kept file.
        Path file = SnapshotManager.open(follower.dataDir()).receivedFile(key, Cf.DEFAULT);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(file, bytes);
    }

    @Test
    void aFailedIngestionStopsTheRoundAndTheRestartFinishesTheInstallation() {
        try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
            RaftMessage message = receiveSnapshot(follower);
            SnapshotManager snapshots = SnapshotManager.open(follower.dataDir());
            PeerStorage storage = PeerStorage.open(
                    follower, Metapb.Region.newBuilder().setId(1).build(), Runnable::run, snapshots);
            StorageFaults faults = new StorageFaults().fail(StorageFaults.Point.INGEST);
            follower.kv().injectFaults(faults);
            try (EngineWriteBatch raftWb = follower.raft().newWriteBatch()) {
                Ready ready = new Ready(
                        null,
                        HardState.newBuilder()
                                .setTerm(TERM)
                                .setCommit(SNAP_INDEX)
                                .build(),
                        List.of(),
                        List.of(),
                        message.getMessage().getSnapshot(),
                        List.of(),
                        List.of());
                // On the Raft thread this exception stops the thread and the store (fail-stop).
                assertThatThrownBy(() -> storage.saveReady(ready, raftWb))
                        .isInstanceOf(StorageException.class)
                        .hasMessageContaining("injected fault");
                assertThat(raftWb.isEmpty())
                        .as("nothing of the round reaches the raft engine")
                        .isTrue();
            }
            assertThat(faults.injected()).isEqualTo(1);
            RegionLocalState state =
                    follower.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(1), RegionLocalState.parser());
            assertThat(state.getState()).as("never marked installed").isEqualTo(PeerState.Applying);
            follower.kv().injectFaults(null);

            assertThat(PeerStorage.resumeApplyingSnapshot(follower, snapshots, state))
                    .isInstanceOf(PeerStorage.SnapshotResume.Installed.class);
            assertThat(follower.kv().get(Cf.DEFAULT, Keys.dataKey(raw("c")))).isEqualTo(raw("from the snapshot"));
        }
    }

    @Test
    void damagedKeptFilesLeaveThePeerWaitingForAFreshSnapshotInsteadOfRefusingToStart() throws Exception {
        try (Engines follower = TestEngines.open(dir.resolve("follower"))) {
            crashMidInstallation(follower);
            List<RaftMessage> sent = new ArrayList<>();
            RaftStore store = new RaftStore(
                    FOLLOWER_STORE,
                    follower,
                    RaftstoreConfig.defaults(),
                    sent::add,
                    Runnable::run,
                    new SplittableRandom(1));
            try {
                RaftStore.RegionStatus status = store.regionStatus(1);
                assertThat(status).as("the peer was started").isNotNull();
                assertThat(status.peer().getId()).isEqualTo(2);
                assertThat(status.region().getPeersCount()).as("uninitialized").isZero();
                assertThat(status.lastIndex()).isZero();
                assertThat(status.term()).as("term kept").isEqualTo(TERM);
                HardState hardState = follower.raft()
                        .getMessage(Cf.DEFAULT, Keys.raftStateKey(1), RaftLocalState.parser())
                        .getHardState();
                assertThat(hardState.getTerm()).isEqualTo(TERM);
                assertThat(hardState.getVote()).as("vote kept").isEqualTo(1);
                assertThat(follower.kv().get(Cf.DEFAULT, Keys.regionStateKey(1)))
                        .isNull();
                assertThat(follower.kv().get(Cf.DEFAULT, Keys.applyStateKey(1))).isNull();
                assertThat(follower.kv().get(Cf.DEFAULT, Keys.dataKey(raw("c"))))
                        .as("half-installed data erased")
                        .isNull();
                assertThat(follower.kv().get(Cf.DEFAULT, Keys.dataKey(raw("a"))))
                        .as("another region's data")
                        .isEqualTo(raw("another region"));
                assertThat(store.snapshotManager().list()).isEmpty();

                // The leader appends after the snapshot; the empty peer refuses, which makes the
                // leader probe down to its first index and send a snapshot.
                store.onRaftMessage(RaftMessage.newBuilder()
                        .setRegionId(1)
                        .setFromPeer(REGION.getPeers(0))
                        .setToPeer(REGION.getPeers(1))
                        .setRegionEpoch(REGION.getRegionEpoch())
                        .setMessage(Eraftpb.Message.newBuilder()
                                .setMsgType(Eraftpb.MessageType.MsgAppend)
                                .setFrom(1)
                                .setTo(2)
                                .setTerm(TERM)
                                .setIndex(SNAP_INDEX + 5)
                                .setLogTerm(TERM)
                                .setCommit(SNAP_INDEX + 5))
                        .build());
                while (store.hasWork()) {
                    store.pollOnce();
                }
                assertThat(sent).anySatisfy(m -> {
                    assertThat(m.getMessage().getMsgType()).isEqualTo(Eraftpb.MessageType.MsgAppendResponse);
                    assertThat(m.getMessage().getReject()).isTrue();
                    assertThat(m.getMessage().getRejectHint()).isZero();
                });
            } finally {
                store.close();
            }
        }
    }
}
