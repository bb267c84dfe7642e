package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Peer ids only grow: a message for a peer of this store's region with a HIGHER id than this
 * replica's means the region removed this replica and re-added the store with a new peer. The
 * stale replica must go (its store then creates the new one), or the two would both answer for
 * the store. A message for a lower id is an older incarnation's mail and changes nothing.
 */
class PeerReplacedByNewerIdTest {

    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1, 2, 2, 3, 3);

    @TempDir
    Path dir;

    private static RaftMessage heartbeatTo(long peerId) {
        return heartbeatTo(peerId, REGION.getRegionEpoch());
    }

    /** The epoch of a region that removed this store's replica and added a new one: two conf changes on. */
    private static Metapb.RegionEpoch replacedEpoch() {
        return REGION.getRegionEpoch().toBuilder()
                .setConfVer(REGION.getRegionEpoch().getConfVer() + DestroyMessageCheck.CONF_CHANGES_TO_REPLACE)
                .build();
    }

    private static RaftMessage heartbeatTo(long peerId, Metapb.RegionEpoch epoch) {
        return RaftMessage.newBuilder()
                .setRegionId(REGION.getId())
                .setFromPeer(REGION.getPeers(0))
                .setToPeer(Metapb.Peer.newBuilder().setId(peerId).setStoreId(2))
                .setRegionEpoch(epoch)
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgHeartbeat)
                        .setFrom(1)
                        .setTo(peerId)
                        .setTerm(PeerStorage.RAFT_INIT_LOG_TERM))
                .build();
    }

    private Peer replica(Engines engines, long peerId) {
        Metapb.Region region = REGION.toBuilder()
                .setPeers(1, Metapb.Peer.newBuilder().setId(peerId).setStoreId(2))
                .build();
        PeerStorage.writeBootstrapState(engines, region);
        RaftstoreConfig config = RaftstoreConfig.defaults();
        return new Peer(
                2,
                region.getPeers(1),
                PeerStorage.open(engines, region, Runnable::run),
                config,
                new SplittableRandom(2),
                RegionHeartbeats.none(config));
    }

    @Test
    void aMessageForANewerPeerOfThisStoreRemovesTheStaleReplica() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer stale = replica(engines, 2);
            stale.step(heartbeatTo(1002, replacedEpoch()));
            assertThat(stale.isRemoved()).isTrue();
        }
    }

    /**
     * A forged (or confused) message naming a newer peer id at an epoch that does not account for
     * the removal and re-addition it implies — here this replica's own epoch, or one conf change on —
     * is refused: the replica and its data stay.
     */
    @Test
    void aNewerPeerIdAtAnEpochThatCannotHaveReplacedThisReplicaIsRefused() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer current = replica(engines, 2);
            current.step(heartbeatTo(1002));
            current.step(heartbeatTo(
                    1002,
                    REGION.getRegionEpoch().toBuilder()
                            .setConfVer(REGION.getRegionEpoch().getConfVer() + 1)
                            .build()));
            current.step(heartbeatTo(
                    1002,
                    replacedEpoch().toBuilder()
                            .setVersion(REGION.getRegionEpoch().getVersion() - 1)
                            .build()));
            current.step(heartbeatTo(1002, replacedEpoch()).toBuilder()
                    .setFromPeer(Metapb.Peer.newBuilder().setId(7).setStoreId(2))
                    .build());
            assertThat(current.isRemoved()).isFalse();
            assertThat(current.region())
                    .isEqualTo(REGION.toBuilder()
                            .setPeers(1, Metapb.Peer.newBuilder().setId(2).setStoreId(2))
                            .build());
        }
    }

    @Test
    void aMessageForAnOlderPeerOfThisStoreChangesNothing() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer current = replica(engines, 1002);
            current.step(heartbeatTo(2));
            assertThat(current.isRemoved()).isFalse();
            assertThat(current.raftNode().hasReady()).as("nothing reached Raft").isFalse();
        }
    }
}
