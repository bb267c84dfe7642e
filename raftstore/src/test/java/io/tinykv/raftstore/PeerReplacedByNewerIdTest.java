package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
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
        return RaftMessage.newBuilder().setRegionId(REGION.getId()).setFromPeer(REGION.getPeers(0))
                .setToPeer(Metapb.Peer.newBuilder().setId(peerId).setStoreId(2))
                .setRegionEpoch(REGION.getRegionEpoch())
                .setMessage(Eraftpb.Message.newBuilder().setMsgType(Eraftpb.MessageType.MsgHeartbeat)
                        .setFrom(1).setTo(peerId).setTerm(PeerStorage.RAFT_INIT_LOG_TERM))
                .build();
    }

    private Peer replica(Engines engines, long peerId) {
        Metapb.Region region = REGION.toBuilder().setPeers(1, Metapb.Peer.newBuilder().setId(peerId).setStoreId(2))
                .build();
        PeerStorage.writeBootstrapState(engines, region);
        RaftstoreConfig config = RaftstoreConfig.defaults();
        return new Peer(2, region.getPeers(1), PeerStorage.open(engines, region, Runnable::run), config,
                new SplittableRandom(2), RegionHeartbeats.none(config));
    }

    @Test
    void aMessageForANewerPeerOfThisStoreRemovesTheStaleReplica() {
        try (Engines engines = TestEngines.open(dir)) {
            Peer stale = replica(engines, 2);
            stale.step(heartbeatTo(1002));
            assertThat(stale.isRemoved()).isTrue();
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
