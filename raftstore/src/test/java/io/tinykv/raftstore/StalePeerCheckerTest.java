package io.tinykv.raftstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import org.junit.jupiter.api.Test;

/** When a store without a live peer of a region answers a message with a tombstone. */
class StalePeerCheckerTest {

    private static final long REGION_ID = 3;
    /** The region as store 2's peer left it: peers 3 and 4 remain, at conf version 8. */
    private static final Metapb.Region LEFT = TestEngines.region(REGION_ID, 3, 3, 4, 4).toBuilder()
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(8).setVersion(1))
            .build();

    private static final RegionLocalState TOMBSTONE = RegionLocalState.newBuilder()
            .setState(PeerState.Tombstone)
            .setRegion(LEFT)
            .build();
    private static final Metapb.Peer HERE =
            Metapb.Peer.newBuilder().setId(2).setStoreId(2).build();

    private static RaftMessage from(long peerId, long confVer) {
        return RaftMessage.newBuilder()
                .setRegionId(REGION_ID)
                .setFromPeer(Metapb.Peer.newBuilder().setId(peerId).setStoreId(peerId))
                .setToPeer(HERE)
                .setRegionEpoch(
                        Metapb.RegionEpoch.newBuilder().setConfVer(confVer).setVersion(1))
                .setMessage(Eraftpb.Message.newBuilder()
                        .setMsgType(Eraftpb.MessageType.MsgRequestPreVote)
                        .setFrom(peerId)
                        .setTo(HERE.getId()))
                .build();
    }

    @Test
    void aSenderRemovedBeforeThisStoresPeerIsToldFromTheTombstone() {
        RaftMessage reply = StalePeerChecker.replyFromTombstone(TOMBSTONE, from(1, 5));
        assertThat(reply).isNotNull();
        assertThat(reply.getIsTombstone()).isTrue();
        assertThat(reply.getToPeer().getId()).isEqualTo(1);
        assertThat(reply.getFromPeer()).isEqualTo(HERE);
        assertThat(reply.getRegionEpoch()).isEqualTo(LEFT.getRegionEpoch());
        assertThat(reply.getRegionId()).isEqualTo(REGION_ID);
    }

    @Test
    void membersAndSendersAsNewAsTheTombstoneAreLeftAlone() {
        assertThat(StalePeerChecker.replyFromTombstone(TOMBSTONE, from(3, 5)))
                .as("a lagging member listed in the region")
                .isNull();
        assertThat(StalePeerChecker.replyFromTombstone(TOMBSTONE, from(1, 8)))
                .as("same conf version")
                .isNull();
        assertThat(StalePeerChecker.replyFromTombstone(TOMBSTONE, from(1, 9)))
                .as("newer conf version")
                .isNull();
        assertThat(StalePeerChecker.replyFromTombstone(TOMBSTONE, from(1, 0)))
                .as("an uninitialized sender")
                .isNull();
        assertThat(StalePeerChecker.replyFromTombstone(
                        TOMBSTONE, from(1, 5).toBuilder().setIsTombstone(true).build()))
                .as("a tombstone is never answered")
                .isNull();
    }

    @Test
    void onlyANewerPeerOfThisStoreMayBeCreatedOverATombstone() {
        // Store 2's peer 2 was removed (the region left behind does not list it) at conf version 8.
        assertThat(StalePeerChecker.addressesANewerPeer(TOMBSTONE, from(4, 9), 2))
                .isTrue();
        assertThat(StalePeerChecker.addressesANewerPeer(TOMBSTONE, from(4, 8), 2))
                .as("same epoch")
                .isFalse();
        assertThat(StalePeerChecker.addressesANewerPeer(TOMBSTONE, from(4, 7), 2))
                .as("a lagging member")
                .isFalse();

        // Store 2's peer 2 destroyed itself on learning it was stale: its view (conf version 5)
        // lists itself, and members newer than that view may still list it.
        Metapb.Region staleView = TestEngines.region(REGION_ID, 1, 1, 2, 2, 3, 3).toBuilder()
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(5).setVersion(1))
                .build();
        RegionLocalState stale = RegionLocalState.newBuilder()
                .setState(PeerState.Tombstone)
                .setRegion(staleView)
                .build();
        assertThat(StalePeerChecker.addressesANewerPeer(stale, from(3, 7), 2))
                .as("the destroyed peer id itself, from a member that still lists it")
                .isFalse();
        RaftMessage toSuccessor = from(3, 9).toBuilder()
                .setToPeer(Metapb.Peer.newBuilder().setId(12).setStoreId(2))
                .build();
        assertThat(StalePeerChecker.addressesANewerPeer(stale, toSuccessor, 2))
                .as("a new peer id")
                .isTrue();
    }

    @Test
    void onlyATombstoneOfAKnownRegionAnswers() {
        assertThat(StalePeerChecker.replyFromTombstone(null, from(1, 5))).isNull();
        assertThat(StalePeerChecker.replyFromTombstone(
                        TOMBSTONE.toBuilder().setState(PeerState.Normal).build(), from(1, 5)))
                .isNull();
        assertThat(StalePeerChecker.replyFromTombstone(
                        TOMBSTONE.toBuilder()
                                .setRegion(Metapb.Region.newBuilder().setId(REGION_ID))
                                .build(),
                        from(1, 5)))
                .as("an uninitialized replica's tombstone knows no members")
                .isNull();
    }
}
