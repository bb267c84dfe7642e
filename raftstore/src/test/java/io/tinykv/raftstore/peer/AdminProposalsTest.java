package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.BatchSplitRequest;
import io.tinykv.proto.RaftCmdpb.ChangePeerRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.SplitRequest;
import io.tinykv.proto.RaftCmdpb.TransferLeaderRequest;
import io.tinykv.raftstore.TestEngines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a leader does with each admin command, and which ones it refuses before Raft sees them. */
class AdminProposalsTest {

    private static final long SELF = 1;
    /** Region 7, keys [b, m), epoch conf version 2 and version 3: voters 1 and 2, learner 3. */
    private static final Metapb.Region REGION = TestEngines.region(7, 1, 1, 2, 2).toBuilder()
            .addPeers(Metapb.Peer.newBuilder().setId(3).setStoreId(3).setRole(Metapb.PeerRole.Learner))
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(2).setVersion(3))
            .build();

    private static final Metapb.Region SPLIT_OFF = REGION.toBuilder().setId(8).build();

    private static AdminProposals.Step decide(AdminRequest.Builder admin, Metapb.RegionEpoch epoch) {
        RaftCmdRequest request = RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder().setRegionId(7).setRegionEpoch(epoch))
                .setAdminRequest(admin)
                .build();
        return AdminProposals.decide(request, SELF, 7, REGION, List.of(SPLIT_OFF));
    }

    private static AdminProposals.Step decide(AdminRequest.Builder admin) {
        return decide(admin, REGION.getRegionEpoch());
    }

    private static AdminRequest.Builder changePeer(Eraftpb.ConfChangeType type, long peerId, long storeId) {
        return AdminRequest.newBuilder()
                .setCmdType(AdminCmdType.ChangePeer)
                .setChangePeer(ChangePeerRequest.newBuilder()
                        .setChangeType(type)
                        .setPeer(Metapb.Peer.newBuilder().setId(peerId).setStoreId(storeId)));
    }

    private static AdminRequest.Builder transferTo(long peerId) {
        return AdminRequest.newBuilder()
                .setCmdType(AdminCmdType.TransferLeader)
                .setTransferLeader(TransferLeaderRequest.newBuilder()
                        .setPeer(Metapb.Peer.newBuilder().setId(peerId).setStoreId(peerId)));
    }

    private static AdminRequest.Builder splitAt(String key) {
        return AdminRequest.newBuilder()
                .setCmdType(AdminCmdType.BatchSplit)
                .setSplits(BatchSplitRequest.newBuilder()
                        .addRequests(SplitRequest.newBuilder()
                                .setSplitKey(ByteString.copyFromUtf8(key))
                                .setNewRegionId(9)
                                .addNewPeerIds(11)
                                .addNewPeerIds(12)
                                .addNewPeerIds(13)));
    }

    private static Errorpb.Error refusal(AdminProposals.Step step) {
        assertThat(step).isInstanceOf(AdminProposals.Refuse.class);
        return ((AdminProposals.Refuse) step).error();
    }

    @Test
    void aConfChangeGoesToTheLogCarryingTheWholeCommand() {
        AdminProposals.Step step = decide(changePeer(Eraftpb.ConfChangeType.AddLearnerNode, 4, 4));
        assertThat(step).isInstanceOf(AdminProposals.ProposeConfChange.class);
        Eraftpb.ConfChange change = ((AdminProposals.ProposeConfChange) step).change();
        assertThat(change.getChangeType()).isEqualTo(Eraftpb.ConfChangeType.AddLearnerNode);
        assertThat(change.getNodeId()).isEqualTo(4);
        assertThat(change.getContext())
                .as("every replica checks the epoch at apply from the command in the context")
                .isEqualTo(RaftCmdRequest.newBuilder()
                        .setHeader(
                                RaftRequestHeader.newBuilder().setRegionId(7).setRegionEpoch(REGION.getRegionEpoch()))
                        .setAdminRequest(changePeer(Eraftpb.ConfChangeType.AddLearnerNode, 4, 4))
                        .build()
                        .toByteString());
    }

    @Test
    void aConfChangeIsRefusedWhenStaleSelfRemovingOrStoreless() {
        Metapb.RegionEpoch olderConf =
                REGION.getRegionEpoch().toBuilder().setConfVer(1).build();
        Errorpb.Error stale = refusal(decide(changePeer(Eraftpb.ConfChangeType.AddNode, 4, 4), olderConf));
        assertThat(stale.getEpochNotMatch().getCurrentRegionsList())
                .as("a conf change is told only its own region")
                .containsExactly(REGION);
        assertThat(refusal(decide(changePeer(Eraftpb.ConfChangeType.RemoveNode, SELF, SELF)))
                        .getMessage())
                .contains("cannot remove itself");
        assertThat(refusal(decide(changePeer(Eraftpb.ConfChangeType.AddNode, 4, 0)))
                        .getMessage())
                .contains("no store");
        assertThat(decide(changePeer(Eraftpb.ConfChangeType.RemoveNode, 2, 2)))
                .isInstanceOf(AdminProposals.ProposeConfChange.class);
    }

    @Test
    void leadershipGoesOnlyToAVoterOfTheRegion() {
        assertThat(decide(transferTo(2))).isEqualTo(new AdminProposals.TransferLeader(2));
        assertThat(refusal(decide(transferTo(3))).getMessage()).contains("is a learner of region 7");
        assertThat(refusal(decide(transferTo(5))).getMessage()).contains("is not in region 7");
        assertThat(AdminProposals.transferLeaderStarted(6)
                        .response()
                        .getHeader()
                        .getCurrentTerm())
                .isEqualTo(6);
    }

    @Test
    void aBatchSplitGoesToTheLogUnlessStaleOrMalformed() {
        assertThat(decide(splitAt("f"))).isInstanceOf(AdminProposals.ProposeEntry.class);
        Metapb.RegionEpoch olderVersion =
                REGION.getRegionEpoch().toBuilder().setVersion(2).build();
        assertThat(refusal(decide(splitAt("f"), olderVersion))
                        .getEpochNotMatch()
                        .getCurrentRegionsList())
                .as("a split routed before the last one learns the regions it cut off")
                .containsExactly(REGION, SPLIT_OFF);
        assertThat(refusal(decide(splitAt("x"))).getMessage()).contains("batch split of region 7 refused");
    }

    @Test
    void compactLogGoesToTheLogAndOtherCommandsAreRefused() {
        assertThat(decide(AdminRequest.newBuilder().setCmdType(AdminCmdType.CompactLog)))
                .isInstanceOf(AdminProposals.ProposeEntry.class);
        assertThat(refusal(decide(AdminRequest.newBuilder().setCmdType(AdminCmdType.Split)))
                        .getMessage())
                .contains("unsupported admin command Split");
    }
}
