package io.tinykv.raft;

import static io.tinykv.raft.MembershipTest.cc;
import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.tickN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import org.junit.jupiter.api.Test;

/**
 * Leadership transfer (Raft thesis §3.10): catch the transferee up, then MsgTimeoutNow; proposals
 * refused meanwhile; aborted after an election timeout. The cases TinyKV's 3A tests name.
 */
class LeaderTransferTest {

    private static Message transfer(long transferee, long to) {
        return msg(MessageType.MsgTransferLeader, transferee, to).build();
    }

    private static void checkState(Raft r, StateRole state, long lead) {
        assertThat(r.state()).as("state of %d", r.id).isEqualTo(state);
        assertThat(r.lead()).as("leader seen by %d", r.id).isEqualTo(lead);
        assertThat(r.leadTransferee).as("no transfer pending at %d", r.id).isEqualTo(Raft.NONE);
    }

    private static Network electedNetwork() {
        Network nt = Network.of(null, null, null);
        nt.send(hup(1));
        return nt;
    }

    /** To an up-to-date node: it becomes leader at once; and back again. */
    @Test
    void transferToUpToDateNode() {
        Network nt = electedNetwork();
        Raft lead = nt.peer(1);
        assertThat(lead.lead()).isEqualTo(1);
        nt.send(transfer(2, 1));
        checkState(lead, StateRole.FOLLOWER, 2);
        // Transfer back, after a proposal so the logs differ in the new term.
        nt.send(propose(2, "x"));
        nt.send(transfer(1, 2));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** From a follower's request: the follower forwards it to the leader. */
    @Test
    void transferRequestedAtFollower() {
        Network nt = electedNetwork();
        Raft lead = nt.peer(1);
        nt.send(transfer(2, 2));
        checkState(lead, StateRole.FOLLOWER, 2);
        nt.send(propose(2, "x"));
        nt.send(transfer(1, 1));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** A follower asked to transfer leadership to a third node forwards the request, keeping the transferee. */
    @Test
    void transferToThirdNodeRequestedAtFollower() {
        Network nt = electedNetwork();
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 2));
        checkState(lead, StateRole.FOLLOWER, 3);
        assertThat(nt.peer(3).state()).isEqualTo(StateRole.LEADER);
    }

    /** With check-quorum, the transferee's vote request overrides the followers' leader lease. */
    @Test
    void transferWithCheckQuorum() {
        Network nt = Network.withConfig(b -> b.checkQuorum(true), null, null, null);
        for (Raft r : nt.peers.values()) {
            r.setRandomizedElectionTimeoutForTest(r.config.electionTicks() + (int) r.id);
        }
        // Let 2's lease expire so it grants 1's vote in the first election.
        tickN(nt.peer(2), nt.peer(2).config.electionTicks());
        readMessages(nt.peer(2));
        nt.send(hup(1));
        Raft lead = nt.peer(1);
        assertThat(lead.state()).isEqualTo(StateRole.LEADER);
        nt.send(transfer(2, 1));
        checkState(lead, StateRole.FOLLOWER, 2);
        nt.send(propose(2, "x"));
        nt.send(transfer(1, 2));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** To a slow follower: the leader first catches it up, then sends MsgTimeoutNow. */
    @Test
    void transferToSlowFollower() {
        Network nt = electedNetwork();
        nt.isolate(3);
        nt.send(propose(1, "x"));
        nt.recover();
        Raft lead = nt.peer(1);
        assertThat(lead.prs.get(3).match()).isEqualTo(1);
        nt.send(transfer(3, 1));
        checkState(lead, StateRole.FOLLOWER, 3);
    }

    /** After a snapshot: the transferee catches up through a snapshot, then takes over. */
    @Test
    void transferAfterSnapshot() {
        Network nt = electedNetwork();
        nt.isolate(3);
        nt.send(propose(1, "x"));
        Raft lead = nt.peer(1);
        MemoryStorage ls = nt.storages.get(1L);
        RaftTestUtil.persist(lead, ls);
        lead.raftLog.appliedTo(lead.raftLog.committed());
        ls.createSnapshot(lead.raftLog.applied(), lead.prs.confState(), ByteString.EMPTY);
        ls.compact(lead.raftLog.applied());
        nt.recover();
        assertThat(lead.prs.get(3).match()).isEqualTo(1);
        int before = nt.delivered.size();
        nt.send(transfer(3, 1));
        assertThat(nt.delivered.subList(before, nt.delivered.size()))
                .extracting(Message::getMsgType)
                .contains(MessageType.MsgSnapshot);
        checkState(lead, StateRole.FOLLOWER, 3);
    }

    /** To itself: nothing happens, the leader stays leader and no transfer is pending. */
    @Test
    void transferToSelf() {
        Network nt = electedNetwork();
        Raft lead = nt.peer(1);
        nt.send(transfer(1, 1));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** To a non-member: ignored. */
    @Test
    void transferToNonMember() {
        Network nt = electedNetwork();
        Raft lead = nt.peer(1);
        nt.send(transfer(4, 1));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** A transfer that does not complete within an election timeout is aborted. */
    @Test
    void transferTimesOut() {
        Network nt = electedNetwork();
        nt.isolate(3);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        tickN(lead, lead.config.heartbeatTicks());
        assertThat(lead.leadTransferee).isEqualTo(3);
        tickN(lead, lead.config.electionTicks() - lead.config.heartbeatTicks());
        checkState(lead, StateRole.LEADER, 1);
    }

    /** Proposals are refused while a transfer is in progress, with a clear error. */
    @Test
    void proposalsRefusedDuringTransfer() {
        Network nt = electedNetwork();
        nt.isolate(3);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        assertThatThrownBy(() -> lead.step(propose(1, "x")))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("transfer");
        assertThat(lead.prs.get(1).match()).isEqualTo(1);
    }

    /** A higher-term vote request during a transfer deposes the leader and ends the transfer. */
    @Test
    void transferInterruptedByHigherTermVote() {
        Network nt = electedNetwork();
        nt.isolate(3);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        nt.send(msg(MessageType.MsgHup, 2, 2).build());
        checkState(lead, StateRole.FOLLOWER, 2);
    }

    /** Removing the transferee aborts the transfer. */
    @Test
    void transferToRemovedNodeAborted() {
        Network nt = electedNetwork();
        nt.ignore(MessageType.MsgTimeoutNow);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        lead.applyConfChange(cc(ConfChangeType.RemoveNode, 3));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** Asking to transfer back to the leader itself while one is pending aborts the pending one. */
    @Test
    void transferBackToLeaderAbortsPending() {
        Network nt = electedNetwork();
        nt.isolate(3);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        nt.send(transfer(1, 1));
        checkState(lead, StateRole.LEADER, 1);
    }

    /** A second transfer to another node replaces the pending one and succeeds. */
    @Test
    void secondTransferToAnotherNode() {
        Network nt = electedNetwork();
        nt.isolate(3);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        nt.send(transfer(2, 1));
        checkState(lead, StateRole.FOLLOWER, 2);
    }

    /** A second request for the same node does not extend the timeout: it still aborts on time. */
    @Test
    void secondTransferToSameNodeDoesNotExtendTimeout() {
        Network nt = electedNetwork();
        nt.isolate(3);
        Raft lead = nt.peer(1);
        nt.send(transfer(3, 1));
        assertThat(lead.leadTransferee).isEqualTo(3);
        tickN(lead, lead.config.heartbeatTicks());
        nt.send(transfer(3, 1));
        tickN(lead, lead.config.electionTicks() - lead.config.heartbeatTicks());
        checkState(lead, StateRole.LEADER, 1);
    }

    /** Leadership cannot be handed to a learner. */
    @Test
    void transferToLearnerIgnored() {
        MemoryStorage s1 = RaftTestUtil.storageWithLearners(new long[] {1}, new long[] {2});
        MemoryStorage s2 = RaftTestUtil.storageWithLearners(new long[] {1}, new long[] {2});
        Raft n1 = RaftTestUtil.newTestRaft(1, 10, 1, s1);
        Raft n2 = RaftTestUtil.newTestRaft(2, 10, 1, s2);
        Network nt = Network.of(n1, n2);
        nt.send(hup(1));
        nt.send(transfer(2, 1));
        checkState(n1, StateRole.LEADER, 1);
    }

    /** MsgTimeoutNow makes a follower campaign at once, even without its timeout, in a new term. */
    @Test
    void timeoutNowStartsImmediateElection() {
        Network nt = electedNetwork();
        Raft f = nt.peer(2);
        long term = f.term();
        f.step(msg(MessageType.MsgTimeoutNow, 1, 2).setTerm(term).build());
        assertThat(f.state()).isEqualTo(StateRole.CANDIDATE);
        assertThat(f.term()).isEqualTo(term + 1);
        assertThat(readMessages(f)).allSatisfy(m -> {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgRequestVote);
            assertThat(m.getContext()).isEqualTo(Raft.CAMPAIGN_TRANSFER);
        });
    }

    /** A node not in the configuration ignores MsgTimeoutNow. */
    @Test
    void timeoutNowIgnoredByNonMember() {
        Raft r = RaftTestUtil.newTestRaft(3, 10, 1, RaftTestUtil.storageWithPeers(1, 2));
        r.becomeFollower(1, 1);
        r.step(msg(MessageType.MsgTimeoutNow, 1, 3).setTerm(1).build());
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(readMessages(r)).isEmpty();
    }
}
