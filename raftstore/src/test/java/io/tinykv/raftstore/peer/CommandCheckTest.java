package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.GetRequest;
import io.tinykv.proto.RaftCmdpb.PutRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.raftstore.TestEngines;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which commands a replica lets through to Raft, and the region error it answers the others. */
class CommandCheckTest {

    private static final long STORE = 1;
    private static final long TERM = 5;
    /** Region 7, keys [b, m), epoch version 3: peers 1, 2 and 3 on stores 1, 2 and 3. */
    private static final Metapb.Region REGION = TestEngines.region(7, 1, 1, 2, 2, 3, 3).toBuilder()
            .setStartKey(ByteString.copyFromUtf8("b"))
            .setEndKey(ByteString.copyFromUtf8("m"))
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(3))
            .build();
    /** What the last split cut off region 7: [m, z). */
    private static final Metapb.Region SPLIT_OFF = REGION.toBuilder()
            .setId(8)
            .setStartKey(ByteString.copyFromUtf8("m"))
            .setEndKey(ByteString.copyFromUtf8("z"))
            .build();

    private static CommandCheck.Replica leader() {
        return new CommandCheck.Replica(STORE, 7, REGION, true, 1, TERM, List.of(SPLIT_OFF));
    }

    private static CommandCheck.Replica followerOf(long leaderId) {
        return new CommandCheck.Replica(STORE, 7, REGION, false, leaderId, TERM, List.of(SPLIT_OFF));
    }

    private static RaftRequestHeader.Builder header() {
        return RaftRequestHeader.newBuilder()
                .setRegionId(7)
                .setPeer(Metapb.Peer.newBuilder().setId(1).setStoreId(STORE))
                .setTerm(TERM)
                .setRegionEpoch(REGION.getRegionEpoch());
    }

    private static RaftCmdRequest put(RaftRequestHeader.Builder header, String cf, String key) {
        return RaftCmdRequest.newBuilder()
                .setHeader(header)
                .addRequests(Request.newBuilder()
                        .setCmdType(CmdType.Put)
                        .setPut(PutRequest.newBuilder()
                                .setCf(cf)
                                .setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v"))))
                .build();
    }

    private static RaftCmdRequest get(String key) {
        return RaftCmdRequest.newBuilder()
                .setHeader(header())
                .addRequests(Request.newBuilder()
                        .setCmdType(CmdType.Get)
                        .setGet(GetRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))))
                .build();
    }

    @Test
    void aCommandRoutedRightGoesAhead() {
        assertThat(CommandCheck.refusal(put(header(), "", "c"), leader(), true)).isNull();
        assertThat(CommandCheck.refusal(put(header(), "write", "b"), leader(), true))
                .isNull();
        assertThat(CommandCheck.refusal(put(header().setTerm(TERM - 1), "", "c"), leader(), true))
                .as("routed one term back: the client just learned of this leader")
                .isNull();
    }

    @Test
    void aCommandSentToAnotherStoreIsRefused() {
        RaftRequestHeader.Builder otherStore =
                header().setPeer(Metapb.Peer.newBuilder().setId(2).setStoreId(2));
        Errorpb.Error error = CommandCheck.refusal(put(otherStore, "", "c"), leader(), true);
        assertThat(error.hasStoreNotMatch()).isTrue();
        assertThat(error.getStoreNotMatch().getRequestStoreId()).isEqualTo(2);
        assertThat(error.getStoreNotMatch().getActualStoreId()).isEqualTo(STORE);
    }

    @Test
    void aFollowerAnswersNotLeaderNamingTheLeaderItKnows() {
        Errorpb.Error error = CommandCheck.refusal(put(header(), "", "c"), followerOf(2), true);
        assertThat(error.hasNotLeader()).isTrue();
        assertThat(error.getNotLeader().getRegionId()).isEqualTo(7);
        assertThat(error.getNotLeader().getLeader().getId()).isEqualTo(2);
        assertThat(CommandCheck.notLeader(7, REGION, 0).getNotLeader().hasLeader())
                .as("no leader known")
                .isFalse();
        assertThat(CommandCheck.refusal(get("c"), followerOf(2), false))
                .as("a follower read does not need the leadership")
                .isNull();
    }

    @Test
    void aCommandRoutedTwoTermsBackIsStale() {
        Errorpb.Error error = CommandCheck.refusal(put(header().setTerm(TERM - 2), "", "c"), leader(), true);
        assertThat(error.hasStaleCommand()).isTrue();
    }

    @Test
    void aCommandRoutedBeforeTheLastSplitLearnsTheNewRegions() {
        RaftRequestHeader.Builder stale =
                header().setRegionEpoch(REGION.getRegionEpoch().toBuilder().setVersion(2));
        Errorpb.Error error = CommandCheck.refusal(put(stale, "", "c"), leader(), true);
        assertThat(error.hasEpochNotMatch()).isTrue();
        assertThat(error.getEpochNotMatch().getCurrentRegionsList()).contains(REGION, SPLIT_OFF);
        RaftRequestHeader.Builder olderConf =
                header().setRegionEpoch(REGION.getRegionEpoch().toBuilder().setConfVer(0));
        assertThat(CommandCheck.refusal(put(olderConf, "", "c"), leader(), true))
                .as("a membership change does not move keys: only the version counts here")
                .isNull();
    }

    @Test
    void aKeyOutsideTheRegionIsRefused() {
        Errorpb.Error error = CommandCheck.refusal(put(header(), "", "m"), leader(), true);
        assertThat(error.hasKeyNotInRegion()).isTrue();
        assertThat(error.getKeyNotInRegion().getKey().toStringUtf8()).isEqualTo("m");
        assertThat(CommandCheck.refusal(get("a"), leader(), true).hasKeyNotInRegion())
                .isTrue();
    }

    @Test
    void anUnknownColumnFamilyIsABadRequest() {
        Errorpb.Error error = CommandCheck.refusal(put(header(), "nope", "c"), leader(), true);
        assertThat(error.getMessage()).startsWith("bad request").contains("nope");
    }
}
