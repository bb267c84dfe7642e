package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.hup;
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

/** Check-quorum and the leader lease (Raft thesis §6.2, §9.6). */
class CheckQuorumTest {

    private static Raft cq(long id, long... peers) {
        return newTestRaft(id, 10, 1, storageWithPeers(peers), b -> b.checkQuorum(true));
    }

    /** Lets {@code r}'s lease lapse so it will grant votes. */
    private static void expireLease(Raft r) {
        r.setRandomizedElectionTimeoutForTest(r.config.electionTicks() + 1);
        tickN(r, r.config.electionTicks());
        readMessages(r);
    }

    /** A leader that hears from no quorum for an election timeout steps down. */
    @Test
    void leaderStepsDownWhenQuorumLost() {
        Raft r = cq(1, 1, 2, 3);
        r.becomeCandidate();
        r.becomeLeader();
        tickN(r, r.config.electionTicks() + 1);
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(r.lead()).isEqualTo(Raft.NONE);
    }

    /** A leader that keeps hearing from a quorum stays leader across many rounds. */
    @Test
    void leaderStaysWhileQuorumActive() {
        Raft r = cq(1, 1, 2, 3);
        r.becomeCandidate();
        r.becomeLeader();
        for (int i = 0; i < r.config.electionTicks() * 5; i++) {
            r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(r.term()).build());
            r.tick();
        }
        assertThat(r.state()).isEqualTo(StateRole.LEADER);
    }

    /** Learners' activity does not count toward the quorum the leader must hear from. */
    @Test
    void learnerActivityDoesNotKeepLeaderAlive() {
        Raft r = newTestRaft(
                1,
                10,
                1,
                RaftTestUtil.storageWithLearners(new long[] {1, 2}, new long[] {3}),
                b -> b.checkQuorum(true));
        r.becomeCandidate();
        r.becomeLeader();
        for (int i = 0; i <= r.config.electionTicks(); i++) {
            r.step(msg(MessageType.MsgHeartbeatResponse, 3, 1).setTerm(r.term()).build());
            r.tick();
        }
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** While a follower hears from its leader (lease), it ignores vote requests; once expired, it votes. */
    @Test
    void leaderSupersedingWithCheckQuorum() {
        Raft a = cq(1, 1, 2, 3);
        Raft b = cq(2, 1, 2, 3);
        Raft c = cq(3, 1, 2, 3);
        Network nt = Network.of(a, b, c);
        expireLease(b);
        nt.send(hup(1));
        assertThat(a.state()).isEqualTo(StateRole.LEADER);
        assertThat(c.state()).isEqualTo(StateRole.FOLLOWER);
        nt.send(hup(3));
        // b is within its lease from a: it ignores c's request, so c cannot win.
        assertThat(c.state()).isEqualTo(StateRole.CANDIDATE);
        assertThat(a.state()).isEqualTo(StateRole.LEADER);
        // Once b's lease has expired, c can win.
        tickN(b, b.config.electionTicks());
        readMessages(b);
        nt.send(hup(3));
        assertThat(c.state()).isEqualTo(StateRole.LEADER);
    }

    /** Elections work normally with check-quorum once leases are expired. */
    @Test
    void leaderElectionWithCheckQuorum() {
        Raft a = cq(1, 1, 2, 3);
        Raft b = cq(2, 1, 2, 3);
        Raft c = cq(3, 1, 2, 3);
        Network nt = Network.of(a, b, c);
        a.setRandomizedElectionTimeoutForTest(a.config.electionTicks() + 1);
        b.setRandomizedElectionTimeoutForTest(b.config.electionTicks() + 2);
        nt.send(hup(1));
        assertThat(a.state()).isEqualTo(StateRole.LEADER);
        assertThat(c.state()).isEqualTo(StateRole.FOLLOWER);
        // Both a and b lose their lease (a steps down as leader without acks; b ticks out).
        a.setRandomizedElectionTimeoutForTest(a.config.electionTicks() + 1);
        b.setRandomizedElectionTimeoutForTest(b.config.electionTicks() + 2);
        tickN(a, a.config.electionTicks());
        tickN(b, b.config.electionTicks());
        readMessages(a);
        readMessages(b);
        nt.send(hup(3));
        assertThat(a.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(c.state()).isEqualTo(StateRole.LEADER);
    }

    /**
     * A candidate stuck at a higher term (it was partitioned) is freed: the leader's heartbeat gets
     * an answer at the higher term, the leader steps down, and a new election succeeds.
     */
    @Test
    void freeStuckCandidateWithCheckQuorum() {
        Raft a = cq(1, 1, 2, 3);
        Raft b = cq(2, 1, 2, 3);
        Raft c = cq(3, 1, 2, 3);
        Network nt = Network.of(a, b, c);
        expireLease(b);
        nt.send(hup(1));
        nt.isolate(1);
        nt.send(hup(3));
        assertThat(b.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(c.state()).isEqualTo(StateRole.CANDIDATE);
        assertThat(c.term()).isEqualTo(b.term() + 1);
        nt.send(hup(3));
        assertThat(c.term()).isEqualTo(b.term() + 2);
        nt.recover();
        nt.send(msg(MessageType.MsgHeartbeat, 1, 3).setTerm(a.term()).build());
        // The stale leader learned the higher term and stepped down.
        assertThat(a.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(a.term()).isEqualTo(c.term());
        nt.send(hup(3));
        assertThat(c.state()).isEqualTo(StateRole.LEADER);
    }

    /** A node that is not in its own configuration never campaigns, even with check-quorum. */
    @Test
    void nonPromotableVoterWithCheckQuorum() {
        Raft a = cq(1, 1, 2);
        Raft b = cq(2, 1);
        Network nt = Network.of(a, b);
        b.setRandomizedElectionTimeoutForTest(b.config.electionTicks() + 1);
        // The peer set of b is only {1}: it is not promotable.
        assertThat(b.promotable()).isFalse();
        tickN(b, b.config.electionTicks() * 2);
        assertThat(readMessages(b)).isEmpty();
        nt.send(hup(1));
        assertThat(a.state()).isEqualTo(StateRole.LEADER);
        assertThat(b.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(b.lead()).isEqualTo(1);
    }

    /** With check-quorum, a stale-term heartbeat is answered so the deposed leader learns the new term. */
    @Test
    void staleHeartbeatAnsweredWithCurrentTerm() {
        Raft r = cq(2, 1, 2, 3);
        r.becomeFollower(5, 3);
        r.step(msg(MessageType.MsgHeartbeat, 1, 2).setTerm(3).build());
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgAppendResponse);
        assertThat(msgs.get(0).getTerm()).isEqualTo(5);
        assertThat(r.term()).isEqualTo(5);
    }

    /** A vote request carrying the transfer context overrides the lease (leader transfer). */
    @Test
    void transferVoteOverridesLease() {
        Raft r = cq(2, 1, 2, 3);
        r.becomeFollower(1, 1);
        r.step(msg(MessageType.MsgRequestVote, 3, 2).setTerm(2).build());
        assertThat(readMessages(r)).isEmpty(); // ignored within the lease
        assertThat(r.term()).isEqualTo(1);
        r.step(msg(MessageType.MsgRequestVote, 3, 2)
                .setTerm(2)
                .setContext(Raft.CAMPAIGN_TRANSFER)
                .build());
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getReject()).isFalse();
        assertThat(r.term()).isEqualTo(2);
    }

    /** With check-quorum and pre-vote, even an up-to-date rejoining node cannot disrupt the leader. */
    @Test
    void preVoteWithCheckQuorumProtectsLeader() {
        Network nt = Network.withConfig(b -> b.checkQuorum(true).preVote(true), null, null, null);
        expireLease(nt.peer(2));
        expireLease(nt.peer(3));
        nt.send(hup(1));
        Raft lead = nt.peer(1);
        assertThat(lead.state()).isEqualTo(StateRole.LEADER);
        long term = lead.term();
        nt.send(hup(3)); // 3's log is up to date, but 2 and 1 are within the lease
        assertThat(lead.state()).isEqualTo(StateRole.LEADER);
        assertThat(lead.term()).isEqualTo(term);
        assertThat(nt.peer(3).term()).isEqualTo(term);
    }
}
