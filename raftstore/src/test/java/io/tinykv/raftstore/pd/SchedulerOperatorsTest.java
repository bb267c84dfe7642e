package io.tinykv.raftstore.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.storage.Engines;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a peer answers the scheduler's operators ({@link SchedulerOperators}), one by one. */
class SchedulerOperatorsTest {

    private static final long REGION_ID = 1;
    private static final long STORE_ID = 1;
    private static final RaftstoreConfig CONFIG = RaftstoreConfig.defaults();

    @TempDir
    Path dir;

    private Engines engines;

    @AfterEach
    void closeEngines() {
        if (engines != null) {
            engines.close();
        }
    }

    /** A peer on store 1 of {@code region}; alone in it, it leads at once. */
    private Peer peerOf(Metapb.Region region) {
        engines = TestEngines.open(dir);
        RaftStore.bootstrapStore(engines, 1, STORE_ID);
        RaftStore.bootstrapRegion(engines, region);
        PeerStorage storage = PeerStorage.open(engines, region, Runnable::run);
        return new Peer(
                STORE_ID,
                Regions.findPeerOnStore(region, STORE_ID),
                storage,
                CONFIG,
                new SplittableRandom(1),
                RegionHeartbeats.none(CONFIG));
    }

    private static Metapb.Peer peer(long id, long storeId) {
        return Metapb.Peer.newBuilder().setId(id).setStoreId(storeId).build();
    }

    private static Pdpb.RegionHeartbeatResponse change(Metapb.RegionEpoch epoch, ConfChangeType type, Metapb.Peer p) {
        return Pdpb.RegionHeartbeatResponse.newBuilder()
                .setRegionId(REGION_ID)
                .setRegionEpoch(epoch)
                .setChangePeer(Pdpb.ChangePeer.newBuilder().setChangeType(type).setPeer(p))
                .build();
    }

    private static Pdpb.RegionHeartbeatResponse transfer(Metapb.RegionEpoch epoch, Metapb.Peer p) {
        return Pdpb.RegionHeartbeatResponse.newBuilder()
                .setRegionId(REGION_ID)
                .setRegionEpoch(epoch)
                .setTransferLeader(Pdpb.TransferLeader.newBuilder().setPeer(p))
                .build();
    }

    /** The log's last index (not the leader's own match, which moves only once the entry is persisted). */
    private static long lastIndex(Peer peer) {
        return peer.raftNode().lastIndex();
    }

    @Test
    void aLeaderProposesAnAddOfANewPeerThroughTheLog() {
        Peer peer = peerOf(TestEngines.region(REGION_ID, 1, 1));
        assertThat(peer.isLeader()).isTrue();
        long before = lastIndex(peer);
        var outcome = SchedulerOperators.handle(
                peer, change(peer.region().getRegionEpoch(), ConfChangeType.AddNode, peer(2, 2)));
        assertThat(outcome).isEqualTo(SchedulerOperators.Outcome.PROPOSED);
        assertThat(peer.proposals()).hasSize(1);
        assertThat(lastIndex(peer)).isEqualTo(before + 1);
    }

    /**
     * The scheduler pushes a step when it creates the operator, pushes it again while it is not done
     * and answers heartbeats with it: a conf change arriving while the first is proposed and not yet
     * applied is not proposed a second time (Raft would drop it and the callback would report a failure).
     */
    @Test
    void aConfChangeAskedAgainWhileTheFirstIsPendingIsNotProposedAgain() {
        Peer peer = peerOf(TestEngines.region(REGION_ID, 1, 1));
        Metapb.RegionEpoch epoch = peer.region().getRegionEpoch();
        var add = change(
                epoch,
                ConfChangeType.AddLearnerNode,
                peer(2, 2).toBuilder().setRole(Metapb.PeerRole.Learner).build());
        assertThat(SchedulerOperators.handle(peer, add)).isEqualTo(SchedulerOperators.Outcome.PROPOSED);
        long afterFirst = lastIndex(peer);
        assertThat(peer.raftNode().hasPendingConfChange()).isTrue();

        assertThat(SchedulerOperators.handle(peer, add)).isEqualTo(SchedulerOperators.Outcome.IN_PROGRESS);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.RemoveNode, peer(1, 1))))
                .as("nor is another one")
                .isNotEqualTo(SchedulerOperators.Outcome.PROPOSED);
        assertThat(lastIndex(peer)).isEqualTo(afterFirst);
        assertThat(peer.proposals()).hasSize(1);
    }

    @Test
    void operatorsAlreadyDoneLeaveTheLogAlone() {
        Peer peer = peerOf(TestEngines.region(REGION_ID, 1, 1));
        Metapb.RegionEpoch epoch = peer.region().getRegionEpoch();
        long before = lastIndex(peer);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddNode, peer(1, 1))))
                .as("adding a member")
                .isEqualTo(SchedulerOperators.Outcome.ALREADY_DONE);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.RemoveNode, peer(9, 9))))
                .as("removing a non-member")
                .isEqualTo(SchedulerOperators.Outcome.ALREADY_DONE);
        assertThat(SchedulerOperators.handle(peer, transfer(epoch, peer(1, 1))))
                .as("leadership to the leader")
                .isEqualTo(SchedulerOperators.Outcome.ALREADY_DONE);
        assertThat(SchedulerOperators.handle(
                        peer,
                        Pdpb.RegionHeartbeatResponse.newBuilder()
                                .setRegionId(REGION_ID)
                                .setRegionEpoch(epoch)
                                .build()))
                .as("no operator")
                .isEqualTo(SchedulerOperators.Outcome.ALREADY_DONE);
        assertThat(peer.proposals()).isEmpty();
        assertThat(lastIndex(peer)).isEqualTo(before);
        assertThat(peer.isLeader()).isTrue();
    }

    @Test
    void operatorsThatCannotBeDoneAreRefused() {
        Peer peer = peerOf(TestEngines.region(REGION_ID, 1, 1));
        Metapb.RegionEpoch epoch = peer.region().getRegionEpoch();
        long before = lastIndex(peer);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddNode, peer(3, STORE_ID))))
                .as("a second peer on one store")
                .isEqualTo(SchedulerOperators.Outcome.REFUSED);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddNode, peer(3, 0))))
                .as("a peer without store")
                .isEqualTo(SchedulerOperators.Outcome.REFUSED);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddLearnerNode, peer(3, STORE_ID))))
                .as("a learner on a store that has a peer")
                .isEqualTo(SchedulerOperators.Outcome.REFUSED);
        assertThat(SchedulerOperators.handle(peer, transfer(epoch, peer(5, 5))))
                .as("leadership to a non-member")
                .isEqualTo(SchedulerOperators.Outcome.REFUSED);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.RemoveNode, peer(1, 1))))
                .as("removing the only peer: nobody to take over")
                .isEqualTo(SchedulerOperators.Outcome.REFUSED);
        assertThat(peer.proposals()).isEmpty();
        assertThat(lastIndex(peer)).isEqualTo(before);
    }

    private static Metapb.Peer learner(long id, long storeId) {
        return peer(id, storeId).toBuilder().setRole(Metapb.PeerRole.Learner).build();
    }

    @Test
    void aLearnerIsAddedOncePromotedOnceAndNeverLeads() {
        Metapb.Region region = TestEngines.region(REGION_ID, 1, 1).toBuilder()
                .addPeers(learner(2, 2))
                .build();
        Peer peer = peerOf(region);
        assertThat(peer.isLeader())
                .as("the only voter leads at once, learners do not vote")
                .isTrue();
        Metapb.RegionEpoch epoch = peer.region().getRegionEpoch();
        long before = lastIndex(peer);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddLearnerNode, learner(2, 2))))
                .as("the learner again")
                .isEqualTo(SchedulerOperators.Outcome.ALREADY_DONE);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddLearnerNode, learner(1, 1))))
                .as("the voter as a learner: never a demotion")
                .isEqualTo(SchedulerOperators.Outcome.ALREADY_DONE);
        assertThat(SchedulerOperators.handle(peer, transfer(epoch, learner(2, 2))))
                .as("leadership to a learner")
                .isEqualTo(SchedulerOperators.Outcome.REFUSED);
        assertThat(lastIndex(peer)).isEqualTo(before);
        assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddNode, peer(2, 2))))
                .as("promotion")
                .isEqualTo(SchedulerOperators.Outcome.PROPOSED);
        assertThat(lastIndex(peer)).isEqualTo(before + 1);
    }

    @Test
    void anOperatorForAnotherEpochIsIgnored() {
        Metapb.Region region = TestEngines.region(REGION_ID, 1, 1).toBuilder()
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(5).setVersion(3))
                .build();
        Peer peer = peerOf(region);
        long before = lastIndex(peer);
        for (Metapb.RegionEpoch epoch : new Metapb.RegionEpoch[] {
            Metapb.RegionEpoch.newBuilder().setConfVer(4).setVersion(3).build(),
            Metapb.RegionEpoch.newBuilder().setConfVer(5).setVersion(2).build(),
            Metapb.RegionEpoch.newBuilder().setConfVer(6).setVersion(3).build(),
            Metapb.RegionEpoch.getDefaultInstance()
        }) {
            assertThat(SchedulerOperators.handle(peer, change(epoch, ConfChangeType.AddNode, peer(2, 2))))
                    .as("epoch %s", epoch)
                    .isEqualTo(SchedulerOperators.Outcome.EPOCH_MISMATCH);
        }
        assertThat(peer.proposals()).isEmpty();
        assertThat(lastIndex(peer)).isEqualTo(before);
    }

    @Test
    void aFollowerDoesNothing() {
        // Two members: the peer on store 1 does not campaign by itself and stays a follower here.
        Peer peer = peerOf(TestEngines.region(REGION_ID, 1, 1, 2, 2));
        assertThat(peer.isLeader()).isFalse();
        assertThat(SchedulerOperators.handle(
                        peer, change(peer.region().getRegionEpoch(), ConfChangeType.AddNode, peer(3, 3))))
                .isEqualTo(SchedulerOperators.Outcome.NOT_LEADER);
        assertThat(peer.proposals()).isEmpty();
    }
}
