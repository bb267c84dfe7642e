package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.ExtraMessageType;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.TestEngines;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a peer weighs hibernation's polls, agreements and heartbeats against its Raft position. */
class HibernationTest {

    private static final long TERM = 4;
    private static final long INDEX = 20;
    private static final long LEADER = 1;
    /** Region 7: peers 1, 2 and 3 on stores 1, 2 and 3. */
    private static final Metapb.Region REGION = TestEngines.region(7, 1, 1, 2, 2, 3, 3);

    /** A follower of {@link #LEADER} holding the whole log up to {@link #INDEX}, all of it applied. */
    private static Hibernation.RaftPosition inSyncFollower() {
        return new Hibernation.RaftPosition(false, TERM, LEADER, INDEX, INDEX, INDEX, INDEX);
    }

    private static Hibernation.RaftPosition leaderAt(long lastIndex) {
        return new Hibernation.RaftPosition(true, TERM, LEADER, lastIndex, lastIndex, lastIndex, lastIndex);
    }

    private static final Hibernation.UnderWay NOTHING_UNDER_WAY =
            new Hibernation.UnderWay(false, false, false, false, false, false);

    private static Hibernation.RaftPosition leader(long lastIndex, long commitIndex, long appliedIndex) {
        return new Hibernation.RaftPosition(true, TERM, LEADER, lastIndex, lastIndex, commitIndex, appliedIndex);
    }

    @Test
    void aRegionIsQuietOnlyWhenEveryPeerMatchesTheCommittedAppliedLastIndex() {
        Map<Long, Long> match = Map.of(1L, INDEX, 2L, INDEX, 3L, INDEX);
        List<Metapb.Peer> peers = REGION.getPeersList();
        assertThat(Hibernation.isQuiet(leaderAt(INDEX), NOTHING_UNDER_WAY, peers, match::get))
                .isTrue();
        assertThat(Hibernation.isQuiet(leader(INDEX, INDEX - 1, INDEX), NOTHING_UNDER_WAY, peers, match::get))
                .as("not all committed")
                .isFalse();
        assertThat(Hibernation.isQuiet(leader(INDEX, INDEX, INDEX - 1), NOTHING_UNDER_WAY, peers, match::get))
                .as("not all applied")
                .isFalse();
        Map<Long, Long> lagging = Map.of(1L, INDEX, 2L, INDEX, 3L, INDEX - 1);
        assertThat(Hibernation.isQuiet(leaderAt(INDEX), NOTHING_UNDER_WAY, peers, lagging::get))
                .as("peer 3 lags")
                .isFalse();
        Map<Long, Long> leaderUnpersisted = Map.of(1L, INDEX - 1, 2L, INDEX, 3L, INDEX);
        assertThat(Hibernation.isQuiet(leaderAt(INDEX), NOTHING_UNDER_WAY, peers, leaderUnpersisted::get))
                .as("the leader's own log is not all persisted")
                .isFalse();
        assertThat(Hibernation.isQuiet(inSyncFollower(), NOTHING_UNDER_WAY, peers, match::get))
                .as("a follower's region is never quiet by its own count")
                .isFalse();
    }

    @Test
    void anythingUnderWayKeepsTheRegionAwake() {
        Map<Long, Long> match = Map.of(1L, INDEX, 2L, INDEX, 3L, INDEX);
        List<Hibernation.UnderWay> busy = List.of(
                new Hibernation.UnderWay(true, false, false, false, false, false),
                new Hibernation.UnderWay(false, true, false, false, false, false),
                new Hibernation.UnderWay(false, false, true, false, false, false),
                new Hibernation.UnderWay(false, false, false, true, false, false),
                new Hibernation.UnderWay(false, false, false, false, true, false),
                new Hibernation.UnderWay(false, false, false, false, false, true));
        for (Hibernation.UnderWay underWay : busy) {
            assertThat(Hibernation.isQuiet(leaderAt(INDEX), underWay, REGION.getPeersList(), match::get))
                    .as("%s", underWay)
                    .isFalse();
        }
    }

    @Test
    void aFollowerAgreesOnlyWhenInSyncWithTheLeaderThatAsks() {
        assertThat(Hibernation.agreesToStop(LEADER, TERM, INDEX, inSyncFollower(), false))
                .isTrue();
        assertThat(Hibernation.agreesToStop(LEADER, TERM, INDEX, inSyncFollower(), true))
                .as("a read of its own waits")
                .isFalse();
        assertThat(Hibernation.agreesToStop(3, TERM, INDEX, inSyncFollower(), false))
                .as("not its leader")
                .isFalse();
        assertThat(Hibernation.agreesToStop(LEADER, TERM + 1, INDEX, inSyncFollower(), false))
                .as("another term")
                .isFalse();
        assertThat(Hibernation.agreesToStop(
                        LEADER,
                        TERM,
                        INDEX,
                        new Hibernation.RaftPosition(false, TERM, LEADER, INDEX, INDEX - 1, INDEX, INDEX),
                        false))
                .as("not all persisted")
                .isFalse();
        assertThat(Hibernation.agreesToStop(LEADER, TERM, INDEX, leaderAt(INDEX), false))
                .as("a leader never agrees")
                .isFalse();
    }

    @Test
    void theLeaderStopsOnlyOnceEveryOtherPeerAgreedToThePollUnderWay() {
        Hibernation hibernation = new Hibernation();
        List<Long> others = List.of(2L, 3L);
        assertThat(hibernation.onAgreement(2, TERM, INDEX, leaderAt(INDEX), others))
                .as("no poll under way")
                .isFalse();

        hibernation.startPoll(TERM, INDEX);
        assertThat(hibernation.onAgreement(2, TERM, INDEX, leaderAt(INDEX), others))
                .as("peer 3 has not agreed")
                .isFalse();
        assertThat(hibernation.onAgreement(3, TERM, INDEX, leaderAt(INDEX + 1), others))
                .as("the log moved on since the poll")
                .isFalse();
        assertThat(hibernation.onAgreement(3, TERM - 1, INDEX, leaderAt(INDEX), others))
                .as("an answer from another term")
                .isFalse();
        assertThat(hibernation.onAgreement(3, TERM, INDEX, leaderAt(INDEX), others))
                .isTrue();

        hibernation.onBusyTick();
        assertThat(hibernation.onAgreement(3, TERM, INDEX, leaderAt(INDEX), others))
                .as("a busy tick gave the poll up")
                .isFalse();
    }

    @Test
    void onlyTheLeadersHeartbeatUpToTheAgreedIndexAndItsAnswerConfirmTheIdleState() {
        Hibernation hibernation = new Hibernation();
        hibernation.sleep(INDEX);
        Eraftpb.Message heartbeat = Eraftpb.Message.newBuilder()
                .setMsgType(Eraftpb.MessageType.MsgHeartbeat)
                .setFrom(LEADER)
                .setTerm(TERM)
                .setCommit(INDEX)
                .build();
        assertThat(hibernation.confirmsIdle(heartbeat, TERM, false, LEADER)).isTrue();
        assertThat(hibernation.confirmsIdle(
                        heartbeat.toBuilder().setCommit(INDEX + 1).build(), TERM, false, LEADER))
                .as("it commits more")
                .isFalse();
        assertThat(hibernation.confirmsIdle(heartbeat, TERM + 1, false, LEADER))
                .as("another term")
                .isFalse();
        assertThat(hibernation.confirmsIdle(heartbeat, TERM, false, 3))
                .as("not its leader")
                .isFalse();

        Eraftpb.Message answer = Eraftpb.Message.newBuilder()
                .setMsgType(Eraftpb.MessageType.MsgHeartbeatResponse)
                .setFrom(2)
                .setTerm(TERM)
                .build();
        assertThat(hibernation.confirmsIdle(answer, TERM, true, LEADER)).isTrue();
        assertThat(hibernation.confirmsIdle(
                        answer.toBuilder()
                                .setContext(ByteString.copyFromUtf8("read"))
                                .build(),
                        TERM,
                        true,
                        LEADER))
                .as("the answer to a ReadIndex round")
                .isFalse();
        assertThat(hibernation.confirmsIdle(
                        Eraftpb.Message.newBuilder()
                                .setMsgType(Eraftpb.MessageType.MsgAppend)
                                .setFrom(LEADER)
                                .setTerm(TERM)
                                .build(),
                        TERM,
                        false,
                        LEADER))
                .isFalse();
    }

    @Test
    void thePollGoesToEachOtherPeerWithTheRegionsIdAndEpoch() {
        Metapb.Peer self = REGION.getPeers(0);
        List<Metapb.Peer> others = REGION.getPeersList().subList(1, 3);
        List<RaftMessage> requests =
                HibernationMessages.requests(REGION.getId(), REGION.getRegionEpoch(), self, others, TERM, INDEX);
        assertThat(requests).extracting(m -> m.getToPeer().getId()).containsExactly(2L, 3L);
        for (RaftMessage m : requests) {
            assertThat(m.getRegionId()).isEqualTo(7);
            assertThat(m.getRegionEpoch()).isEqualTo(REGION.getRegionEpoch());
            assertThat(m.getFromPeer()).isEqualTo(self);
            assertThat(m.hasMessage()).as("no Raft message").isFalse();
            assertThat(m.getExtra().getType()).isEqualTo(ExtraMessageType.MsgHibernateRequest);
            assertThat(m.getExtra().getTerm()).isEqualTo(TERM);
            assertThat(m.getExtra().getIndex()).isEqualTo(INDEX);
        }
        RaftMessage wakeUp =
                HibernationMessages.wakeUp(REGION.getId(), REGION.getRegionEpoch(), others.get(0), self, TERM);
        assertThat(wakeUp.getExtra().getType()).isEqualTo(ExtraMessageType.MsgRegionWakeUp);
        assertThat(wakeUp.getExtra().getIndex()).isZero();
        assertThat(wakeUp.getToPeer()).isEqualTo(self);
    }
}
