package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.TestEngines;
import org.junit.jupiter.api.Test;

/** A replica tells a sender that is no longer a member of its region that it is gone, and nobody else. */
class TombstoneForStaleSenderTest {

    /** Region 7 at conf version 3: peers 1 and 2 on stores 1 and 2; peer 9 on store 9 was removed. */
    private static final Metapb.Region REGION = TestEngines.region(7, 1, 1, 2, 2).toBuilder()
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(3).setVersion(1))
            .build();

    private static final Metapb.Peer SELF = REGION.getPeers(0);

    private static RaftMessage from(long peerId, long confVer) {
        return RaftMessage.newBuilder()
                .setRegionId(7)
                .setFromPeer(Metapb.Peer.newBuilder().setId(peerId).setStoreId(peerId))
                .setToPeer(SELF)
                .setRegionEpoch(
                        Metapb.RegionEpoch.newBuilder().setConfVer(confVer).setVersion(1))
                .build();
    }

    @Test
    void aRemovedPeerAtAnOlderConfigurationIsToldItIsGone() {
        RaftMessage tombstone = DestroyMessageCheck.tombstoneForStaleSender(7, REGION, SELF, from(9, 2));
        assertThat(tombstone).isNotNull();
        assertThat(tombstone.getIsTombstone()).isTrue();
        assertThat(tombstone.getRegionId()).isEqualTo(7);
        assertThat(tombstone.getFromPeer()).isEqualTo(SELF);
        assertThat(tombstone.getToPeer().getId()).isEqualTo(9);
        assertThat(tombstone.getRegionEpoch()).isEqualTo(REGION.getRegionEpoch());
    }

    @Test
    void noTombstoneForAMemberANewerConfigurationAnUninitializedSenderOrFromAReplicaWithoutData() {
        assertThat(DestroyMessageCheck.tombstoneForStaleSender(7, REGION, SELF, from(2, 2)))
                .as("a member, however old its view")
                .isNull();
        assertThat(DestroyMessageCheck.tombstoneForStaleSender(7, REGION, SELF, from(9, 3)))
                .as("not an older configuration: this replica may be the one behind")
                .isNull();
        assertThat(DestroyMessageCheck.tombstoneForStaleSender(7, REGION, SELF, from(9, 0)))
                .as("an uninitialized sender knows no configuration")
                .isNull();
        assertThat(DestroyMessageCheck.tombstoneForStaleSender(
                        7, Metapb.Region.newBuilder().setId(7).build(), SELF, from(9, 2)))
                .as("this replica holds no data")
                .isNull();
    }
}
