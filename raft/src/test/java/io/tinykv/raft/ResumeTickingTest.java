package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static io.tinykv.raft.RaftTestUtil.tickN;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RawNode#resumeTicking}: an application that stopped ticking an idle group (hibernation)
 * ticks it again. Check-quorum must neither depose the leader at once nor keep it on old evidence,
 * and a follower must not campaign at once.
 */
class ResumeTickingTest {

    private static Raft cq(long id, long... peers) {
        return newTestRaft(id, 10, 1, storageWithPeers(peers), b -> b.checkQuorum(true));
    }

    /**
     * A leader stopped just before its check-quorum round ran out: resumed, it heartbeats at once
     * and has a whole election timeout for a quorum to answer, which keeps it leader.
     */
    @Test
    void aResumedLeaderHeartbeatsAndGetsAWholeRoundToHearAQuorum() {
        Raft r = cq(1, 1, 2, 3);
        r.becomeCandidate();
        r.becomeLeader();
        readMessages(r);
        tickN(r, r.config.electionTicks() - 1);
        readMessages(r);

        r.resumeTicking();

        List<Message> sent = readMessages(r);
        assertThat(sent)
                .filteredOn(m -> m.getMsgType() == MessageType.MsgHeartbeat)
                .extracting(Message::getTo)
                .containsExactlyInAnyOrder(2L, 3L);
        tickN(r, r.config.electionTicks() - 1);
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(r.term()).build());
        r.tick();
        assertThat(r.state()).isEqualTo(StateRole.LEADER);
    }

    /**
     * Followers answered before the leader stopped: that evidence does not count after it resumes.
     * With nobody answering the resumed leader, it steps down one election timeout later.
     */
    @Test
    void aResumedLeaderNobodyAnswersStepsDownAfterOneElectionTimeout() {
        Raft r = cq(1, 1, 2, 3);
        r.becomeCandidate();
        r.becomeLeader();
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(r.term()).build());
        r.step(msg(MessageType.MsgHeartbeatResponse, 3, 1).setTerm(r.term()).build());

        r.resumeTicking();
        tickN(r, r.config.electionTicks());

        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** A resumed follower waits a whole election timeout before it campaigns. */
    @Test
    void aResumedFollowerWaitsAWholeElectionTimeout() {
        Raft r = cq(2, 1, 2, 3);
        r.becomeFollower(1, 1);
        r.setRandomizedElectionTimeoutForTest(r.config.electionTicks());
        tickN(r, r.config.electionTicks() - 1);

        r.resumeTicking();
        tickN(r, r.config.electionTicks() - 1);

        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        r.tick();
        assertThat(r.state()).isNotEqualTo(StateRole.FOLLOWER);
    }
}
