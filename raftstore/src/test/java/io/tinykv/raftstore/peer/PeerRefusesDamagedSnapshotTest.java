package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RaftSnapshotData;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
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
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DESIGN.md §6: every record read back is checked. A peer verifies a snapshot's received files
 * (sizes and checksums) before its Raft node sees the message: once Raft accepts a snapshot the
 * store must install it, and a damaged file would then stop the store instead of costing one
 * retransmission. The transports check the stream too; this is the peer's own line of defence,
 * for files damaged on this store's disk after they arrived.
 */
class PeerRefusesDamagedSnapshotTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .build();
    private static final long TERM = PeerStorage.RAFT_INIT_LOG_TERM;
    private static final int CHUNK_BYTES = 100;

    @TempDir
    Path dir;

    private static RaftMessage snapshotMessage(RaftSnapshotData data, long index) {
        return RaftMessage.newBuilder()
                .setRegionId(REGION.getId())
                .setFromPeer(REGION.getPeers(0))
                .setToPeer(REGION.getPeers(1))
                .setRegionEpoch(REGION.getRegionEpoch())
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgSnapshot)
                        .setFrom(1)
                        .setTo(2)
                        .setTerm(TERM)
                        .setSnapshot(Snapshot.newBuilder()
                                .setData(data.toByteString())
                                .setMetadata(SnapshotMetadata.newBuilder()
                                        .setIndex(index)
                                        .setTerm(TERM)
                                        .setConfState(ConfState.newBuilder()
                                                .addVoters(1)
                                                .addVoters(2)
                                                .addVoters(3)))))
                .build();
    }

    /** The leader's snapshot of {@link #REGION} at {@code index}, its files streamed into {@code to}. */
    private static RaftMessage sendSnapshot(Engines leader, SnapshotManager from, SnapshotManager to, long index) {
        RaftSnapshotData data;
        try (SnapshotReader reader = leader.kv().snapshot()) {
            data = SnapshotData.build(REGION, reader, from, new SnapshotKey(REGION.getId(), TERM, index));
        }
        RaftMessage message = snapshotMessage(data, index);
        try (SnapshotFileReader files = SnapshotFileReader.open(from, message, CHUNK_BYTES);
                SnapshotReceiver receiver = SnapshotReceiver.start(to, message, Long.MAX_VALUE)) {
            while (files.hasNext()) {
                receiver.accept(files.next());
            }
            receiver.finish();
        }
        return message;
    }

    /** The snapshot the peer's Raft node accepted, or null. */
    private static Snapshot acceptedSnapshot(Peer peer) {
        if (!peer.raftNode().hasReady()) {
            return null;
        }
        Ready ready = peer.raftNode().ready();
        return ready.snapshot() == null || ready.snapshot().getMetadata().getIndex() == 0 ? null : ready.snapshot();
    }

    @Test
    void aSnapshotWhoseReceivedFileWasDamagedNeverReachesRaftAndAnIntactOneDoes() throws IOException {
        try (Engines leader = TestEngines.open(dir.resolve("leader"));
                Engines follower = TestEngines.open(dir.resolve("follower"))) {
            SnapshotManager leaderSnapshots = SnapshotManager.open(leader.dataDir());
            SnapshotManager followerSnapshots = SnapshotManager.open(follower.dataDir());
            try (EngineWriteBatch wb = leader.kv().newWriteBatch()) {
                for (char c = 'b'; c < 'm'; c++) {
                    wb.put(
                            Cf.DEFAULT,
                            Keys.dataKey(("key-" + c).getBytes(StandardCharsets.UTF_8)),
                            ("value of " + c).getBytes(StandardCharsets.UTF_8));
                }
                leader.kv().write(wb, true);
            }
            RaftstoreConfig config = RaftstoreConfig.defaults();
            Metapb.Region uninitialized =
                    Metapb.Region.newBuilder().setId(REGION.getId()).build();
            Peer peer = new Peer(
                    2,
                    REGION.getPeers(1),
                    PeerStorage.open(follower, uninitialized, Runnable::run, followerSnapshots),
                    config,
                    new SplittableRandom(2),
                    RegionHeartbeats.none(config));

            long damagedIndex = 10;
            RaftMessage damaged = sendSnapshot(leader, leaderSnapshots, followerSnapshots, damagedIndex);
            Path file = followerSnapshots.receivedFile(new SnapshotKey(REGION.getId(), TERM, damagedIndex), Cf.DEFAULT);
            byte[] bytes = Files.readAllBytes(file);
            bytes[bytes.length / 2] ^= 0x5A;
            Files.write(file, bytes);
            peer.step(damaged);
            assertThat(acceptedSnapshot(peer))
                    .as("a snapshot with a damaged file is dropped before Raft")
                    .isNull();

            long intactIndex = 11;
            peer.step(sendSnapshot(leader, leaderSnapshots, followerSnapshots, intactIndex));
            Snapshot accepted = acceptedSnapshot(peer);
            assertThat(accepted).as("an intact snapshot is accepted").isNotNull();
            assertThat(accepted.getMetadata().getIndex()).isEqualTo(intactIndex);
        }
    }
}
