package io.tinykv.raft;

import static io.tinykv.raft.MembershipTest.cc;
import static io.tinykv.raft.RaftTestUtil.allEntries;
import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithLearners;
import static io.tinykv.raft.RaftTestUtil.tickN;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Learners: non-voting members that receive the log, for safe catch-up before promotion. */
class LearnerTest {

    private static Raft node(long id) {
        return newTestRaft(id, 10, 1, storageWithLearners(new long[] {1}, new long[] {2}));
    }

    /** A learner never campaigns, however long it goes without hearing from a leader. */
    @Test
    void learnerNeverCampaigns() {
        Raft n2 = node(2);
        assertThat(n2.isLearner()).isTrue();
        tickN(n2, n2.config.electionTicks() * 3);
        n2.step(hup(2));
        assertThat(n2.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(readMessages(n2)).isEmpty();
    }

    /** A learner receives the log and the commit index from the leader. */
    @Test
    void learnerReceivesLog() {
        Raft n1 = node(1);
        Raft n2 = node(2);
        Network nt = Network.of(n1, n2);
        nt.send(hup(1));
        assertThat(n1.state()).isEqualTo(StateRole.LEADER);
        nt.send(propose(1, "somedata"));
        assertThat(allEntries(n2)).isEqualTo(allEntries(n1));
        nt.send(RaftTestUtil.beat(1));
        assertThat(n2.raftLog.committed()).isEqualTo(n1.raftLog.committed());
        assertThat(n2.lead()).isEqualTo(1);
    }

    /** Learners do not count toward the commit quorum: the voters alone commit, the learner's ack alone does not. */
    @Test
    void learnerNotCountedForCommit() {
        Raft r = newTestRaft(1, 10, 1, storageWithLearners(new long[] {1, 2}, new long[] {3, 4}));
        r.becomeCandidate();
        r.becomeLeader();
        RaftTestUtil.persistOwnLog(r);
        long li = r.raftLog.lastIndex();
        r.step(msg(MessageType.MsgAppendResponse, 3, 1).setTerm(1).setIndex(li).build());
        r.step(msg(MessageType.MsgAppendResponse, 4, 1).setTerm(1).setIndex(li).build());
        assertThat(r.raftLog.committed()).isZero();
        r.step(msg(MessageType.MsgAppendResponse, 2, 1).setTerm(1).setIndex(li).build());
        assertThat(r.raftLog.committed()).isEqualTo(li);
    }

    /** Learners are not asked for votes, and the quorum of a vote counts voters only. */
    @Test
    void candidateAsksVotersOnly() {
        Raft r = newTestRaft(1, 10, 1, storageWithLearners(new long[] {1, 2, 3}, new long[] {4}));
        r.step(hup(1));
        assertThat(readMessages(r)).extracting(Message::getTo).containsExactly(2L, 3L);
        r.step(msg(MessageType.MsgRequestVoteResponse, 4, 1).setTerm(1).build());
        assertThat(r.state()).isEqualTo(StateRole.CANDIDATE);
        r.step(msg(MessageType.MsgRequestVoteResponse, 2, 1).setTerm(1).build());
        assertThat(r.state()).isEqualTo(StateRole.LEADER);
    }

    /** A learner asked to vote (its configuration may lag) answers like anybody, by the log rule. */
    @Test
    void learnerCanVote() {
        Raft n2 = node(2);
        n2.step(msg(MessageType.MsgRequestVote, 1, 2)
                .setTerm(2)
                .setLogTerm(11)
                .setIndex(11)
                .build());
        List<Message> msgs = readMessages(n2);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgRequestVoteResponse);
        assertThat(msgs.get(0).getReject()).isFalse();
    }

    /** A promoted learner becomes a voter and can then campaign and win. */
    @Test
    void learnerPromotion() {
        Raft n1 = node(1);
        Raft n2 = node(2);
        Network nt = Network.of(n1, n2);
        nt.send(hup(1));
        assertThat(n1.state()).isEqualTo(StateRole.LEADER);
        ConfState cs = n1.applyConfChange(cc(ConfChangeType.AddNode, 2));
        n2.applyConfChange(cc(ConfChangeType.AddNode, 2));
        assertThat(cs.getVotersList()).containsExactly(1L, 2L);
        assertThat(cs.getLearnersList()).isEmpty();
        assertThat(n2.isLearner()).isFalse();
        assertThat(n2.promotable()).isTrue();
        nt.send(hup(2));
        assertThat(n2.state()).isEqualTo(StateRole.LEADER);
        assertThat(n1.state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** Adding a learner puts it in the learner set, not among the voters. */
    @Test
    void addLearner() {
        Raft r = newTestRaft(1, 10, 1, RaftTestUtil.storageWithPeers(1));
        ConfState cs = r.applyConfChange(cc(ConfChangeType.AddLearnerNode, 2));
        assertThat(cs.getVotersList()).containsExactly(1L);
        assertThat(cs.getLearnersList()).containsExactly(2L);
        assertThat(r.prs.get(2).isLearner()).isTrue();
    }

    /** A learner ignores MsgTimeoutNow: it cannot become leader. */
    @Test
    void learnerIgnoresTimeoutNow() {
        Raft n2 = node(2);
        n2.becomeFollower(1, 1);
        n2.step(msg(MessageType.MsgTimeoutNow, 1, 2).setTerm(1).build());
        assertThat(n2.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(readMessages(n2)).isEmpty();
    }
}
