package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pre-vote (Raft thesis §9.6): ask whether an election could be won before raising the term. */
class PreVoteTest {

    private static Network preVoteNetwork(int n) {
        Object[] nodes = new Object[n];
        return Network.withConfig(b -> b.preVote(true), nodes);
    }

    /** A pre-candidate does not raise its term; it becomes candidate (term + 1) only on a pre-vote majority. */
    @Test
    void preCandidateKeepsTermUntilMajority() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), b -> b.preVote(true));
        r.step(hup(1));
        assertThat(r.state()).isEqualTo(StateRole.PRE_CANDIDATE);
        assertThat(r.term()).isZero();
        assertThat(r.vote()).isEqualTo(Raft.NONE);
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(2).allSatisfy(m -> {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgRequestPreVote);
            assertThat(m.getTerm()).isEqualTo(1); // the term it would campaign in
        });
        r.step(msg(MessageType.MsgRequestPreVoteResponse, 2, 1).setTerm(1).build());
        assertThat(r.state()).isEqualTo(StateRole.CANDIDATE);
        assertThat(r.term()).isEqualTo(1);
        assertThat(readMessages(r)).extracting(Message::getMsgType).containsOnly(MessageType.MsgRequestVote);
    }

    /** A pre-vote rejected by a majority returns the node to follower, term unchanged. */
    @Test
    void preVoteLostReturnsToFollower() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), b -> b.preVote(true));
        r.becomeFollower(2, Raft.NONE);
        r.step(hup(1));
        r.step(msg(MessageType.MsgRequestPreVoteResponse, 2, 1)
                .setTerm(2)
                .setReject(true)
                .build());
        r.step(msg(MessageType.MsgRequestPreVoteResponse, 3, 1)
                .setTerm(2)
                .setReject(true)
                .build());
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(r.term()).isEqualTo(2);
    }

    /** Granting a pre-vote changes neither the voter's term nor its vote. */
    @Test
    void grantingPreVoteChangesNothing() {
        Raft r = newTestRaft(2, 10, 1, storageWithPeers(1, 2, 3), b -> b.preVote(true));
        r.becomeFollower(1, Raft.NONE);
        r.step(msg(MessageType.MsgRequestPreVote, 1, 2).setTerm(2).build());
        assertThat(r.term()).isEqualTo(1);
        assertThat(r.vote()).isEqualTo(Raft.NONE);
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgRequestPreVoteResponse);
        assertThat(msgs.get(0).getReject()).isFalse();
        assertThat(msgs.get(0).getTerm()).isEqualTo(2);
    }

    /** A pre-vote for a future term is granted from any state, even after voting in the current term. */
    @Test
    void preVoteFromAnyState() {
        for (StateRole role : StateRole.values()) {
            Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), b -> b.preVote(true));
            r.becomeFollower(1, Raft.NONE);
            switch (role) {
                case FOLLOWER -> r.becomeFollower(1, 3);
                case PRE_CANDIDATE -> r.becomePreCandidate();
                case CANDIDATE -> r.becomeCandidate();
                case LEADER -> {
                    r.becomeCandidate();
                    r.becomeLeader();
                }
            }
            readMessages(r);
            long term = r.term();
            long vote = r.vote();
            StateRole state = r.state();
            r.step(msg(MessageType.MsgRequestPreVote, 2, 1)
                    .setTerm(term + 1)
                    .setLogTerm(term + 1)
                    .setIndex(42)
                    .build());
            List<Message> msgs = readMessages(r);
            assertThat(msgs).as("role %s", role).hasSize(1);
            assertThat(msgs.get(0).getReject()).as("role %s", role).isFalse();
            assertThat(r.term()).isEqualTo(term);
            assertThat(r.vote()).isEqualTo(vote);
            assertThat(r.state()).isEqualTo(state);
        }
    }

    /** A stale pre-vote (lower term) is rejected with our term so the sender catches up. */
    @Test
    void stalePreVoteRejectedWithOurTerm() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), b -> b.preVote(true));
        r.becomeFollower(5, Raft.NONE);
        r.step(msg(MessageType.MsgRequestPreVote, 2, 1).setTerm(3).build());
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getReject()).isTrue();
        assertThat(msgs.get(0).getTerm()).isEqualTo(5);
    }

    /**
     * A partitioned node rejoining does not disrupt the healthy leader: its term never rose while
     * partitioned, and its pre-vote fails because it missed the entries committed meanwhile.
     */
    @Test
    void rejoiningPartitionedNodeDoesNotDisrupt() {
        Network nt = preVoteNetwork(3);
        nt.send(hup(1));
        Raft lead = nt.peer(1);
        long term = lead.term();
        nt.isolate(3);
        nt.send(propose(1, "committed while 3 is away"));
        for (int i = 0; i < 5; i++) {
            nt.send(hup(3)); // repeated timeouts while partitioned
        }
        assertThat(nt.peer(3).term()).isEqualTo(term);
        assertThat(nt.peer(3).state()).isEqualTo(StateRole.PRE_CANDIDATE);
        nt.recover();
        nt.send(hup(3));
        assertThat(lead.state()).isEqualTo(StateRole.LEADER);
        assertThat(lead.term()).isEqualTo(term);
        assertThat(nt.peer(3).state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(nt.peer(3).term()).isEqualTo(term);
    }

    /** Without pre-vote the same rejoin does disrupt the leader (the contrast that motivates pre-vote). */
    @Test
    void withoutPreVoteRejoinDisrupts() {
        Network nt = Network.of(null, null, null);
        nt.send(hup(1));
        long term = nt.peer(1).term();
        nt.isolate(3);
        nt.send(propose(1, "committed while 3 is away"));
        nt.send(hup(3));
        nt.send(hup(3));
        nt.recover();
        nt.send(hup(3));
        assertThat(nt.peer(1).term()).isGreaterThan(term);
        assertThat(nt.peer(1).state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** Split pre-votes still resolve: after a tie, one node wins a later round. */
    @Test
    void preVoteWithSplitVoteResolves() {
        Network nt = preVoteNetwork(3);
        nt.send(hup(1));
        // Isolate the leader; 2 and 3 both start elections at the same term.
        nt.isolate(1);
        nt.cut(2, 3);
        nt.send(hup(2));
        nt.send(hup(3));
        // Both pre-candidates cannot get a majority while cut; the pre-vote kept their terms.
        assertThat(nt.peer(2).term()).isEqualTo(1);
        assertThat(nt.peer(3).term()).isEqualTo(1);
        nt.recover();
        nt.isolate(1);
        nt.send(hup(2));
        assertThat(nt.peer(2).state()).isEqualTo(StateRole.LEADER);
        assertThat(nt.peer(2).term()).isEqualTo(2);
        assertThat(nt.peer(3).state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** A single-voter group with pre-vote goes straight through pre-candidate to leader. */
    @Test
    void singleNodePreVote() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1), b -> b.preVote(true));
        r.step(hup(1));
        assertThat(r.state()).isEqualTo(StateRole.LEADER);
        assertThat(r.term()).isEqualTo(1);
    }
}
