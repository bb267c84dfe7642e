package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static io.tinykv.raft.RaftTestUtil.tickN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Single-server membership changes, Raft paper §6 (one change at a time, as in the thesis §4.1). */
class MembershipTest {

    static ConfChange cc(ConfChangeType t, long node) {
        return ConfChange.newBuilder().setChangeType(t).setNodeId(node).build();
    }

    static Message proposeConfChange(long id, ConfChange cc) {
        return Message.newBuilder()
                .setMsgType(MessageType.MsgPropose)
                .setFrom(id)
                .setTo(id)
                .addEntries(Entry.newBuilder()
                        .setEntryType(EntryType.EntryConfChange)
                        .setData(cc.toByteString()))
                .build();
    }

    /** Adding a voter puts it in the configuration; adding it again changes nothing. */
    @Test
    void addNode() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1));
        ConfState cs = r.applyConfChange(cc(ConfChangeType.AddNode, 2));
        assertThat(cs.getVotersList()).containsExactly(1L, 2L);
        cs = r.applyConfChange(cc(ConfChangeType.AddNode, 2));
        assertThat(cs.getVotersList()).containsExactly(1L, 2L);
    }

    /** Nodes can be removed one at a time, down to an empty configuration. */
    @Test
    void removeNodeDownToEmpty() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        assertThat(r.applyConfChange(cc(ConfChangeType.RemoveNode, 2)).getVotersList())
                .containsExactly(1L);
        assertThat(r.applyConfChange(cc(ConfChangeType.RemoveNode, 1)).getVotersList())
                .isEmpty();
        // Removing an absent node is harmless.
        assertThat(r.applyConfChange(cc(ConfChangeType.RemoveNode, 3)).getVotersList())
                .isEmpty();
    }

    /** After a removal the smaller quorum commits entries that were waiting for the removed node. */
    @Test
    void smallerQuorumCommitsAfterRemoval() {
        MemoryStorage s = storageWithPeers(1, 2);
        Raft r = newTestRaft(1, 5, 1, s);
        r.becomeCandidate();
        r.becomeLeader();
        ReplicationTest.commitNoopWithAll(r);
        // Propose a removal of 2 and commit it with 2's ack.
        r.step(proposeConfChange(1, cc(ConfChangeType.RemoveNode, 2)));
        RaftTestUtil.persistOwnLog(r);
        long ccIndex = r.raftLog.lastIndex();
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(r.term())
                .setIndex(ccIndex)
                .build());
        assertThat(r.raftLog.committed()).isEqualTo(ccIndex);
        // A normal entry, which 2 will never acknowledge.
        r.step(propose(1, "hello"));
        RaftTestUtil.persistOwnLog(r);
        assertThat(r.raftLog.committed()).isEqualTo(ccIndex);
        r.raftLog.appliedTo(ccIndex);
        r.applyConfChange(cc(ConfChangeType.RemoveNode, 2));
        assertThat(r.raftLog.committed()).isEqualTo(ccIndex + 1);
        List<Entry> ents = r.raftLog.nextEntries(Entries.NO_LIMIT);
        assertThat(ents).hasSize(1);
        assertThat(ents.get(0).getData().toStringUtf8()).isEqualTo("hello");
    }

    /** At most one conf change may be pending: a second is refused until the first is applied. */
    @Test
    void onlyOnePendingConfChange() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1));
        r.becomeCandidate();
        r.becomeLeader();
        r.raftLog.appliedTo(r.raftLog.committed());
        r.step(proposeConfChange(1, cc(ConfChangeType.AddNode, 2)));
        RaftTestUtil.persistOwnLog(r); // the single voter commits what it persisted
        long ccIndex = r.raftLog.lastIndex();
        assertThat(r.pendingConfIndex).isEqualTo(ccIndex);
        assertThatThrownBy(() -> r.step(proposeConfChange(1, cc(ConfChangeType.AddNode, 3))))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("already pending");
        // Normal proposals still go through meanwhile.
        r.step(propose(1, "data"));
        // Once applied, the next conf change is accepted.
        r.raftLog.appliedTo(ccIndex);
        r.applyConfChange(cc(ConfChangeType.AddNode, 2));
        r.step(proposeConfChange(1, cc(ConfChangeType.AddNode, 3)));
        assertThat(r.pendingConfIndex).isEqualTo(r.raftLog.lastIndex());
    }

    /** A conf change dropped for the uncommitted-bytes limit does not leave a phantom pending change. */
    @Test
    void droppedConfChangeLeavesNothingPending() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2), b -> b.maxUncommittedEntriesBytes(4));
        r.becomeCandidate();
        r.becomeLeader();
        r.raftLog.appliedTo(r.raftLog.committed());
        long pendingBefore = r.pendingConfIndex;
        r.step(propose(1, "fill the budget"));
        assertThatThrownBy(() -> r.step(proposeConfChange(1, cc(ConfChangeType.AddNode, 3))))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("uncommitted");
        assertThat(r.pendingConfIndex).isEqualTo(pendingBefore);
    }

    /** A new leader treats its whole uncommitted tail as possibly holding a conf change. */
    @Test
    void newLeaderBlocksConfChangeUntilTailApplied() {
        for (boolean addEntry : new boolean[] {false, true}) {
            Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
            if (addEntry) {
                r.appendEntry(List.of(Entry.newBuilder().build()));
            }
            r.becomeCandidate();
            r.becomeLeader();
            assertThat(r.pendingConfIndex).isEqualTo(addEntry ? 1 : 0);
        }
    }

    /** A node does not campaign while a committed conf change is not yet applied. */
    @Test
    void noCampaignWithUnappliedConfChange() {
        MemoryStorage s = storageWithPeers(1, 2);
        s.append(List.of(Entry.newBuilder()
                .setIndex(1)
                .setTerm(1)
                .setEntryType(EntryType.EntryConfChange)
                .setData(cc(ConfChangeType.AddNode, 3).toByteString())
                .build()));
        s.setHardState(io.tinykv.proto.Eraftpb.HardState.newBuilder()
                .setTerm(1)
                .setCommit(1)
                .build());
        Raft r = newTestRaft(1, 10, 1, s);
        r.step(hup(1));
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        r.raftLog.appliedTo(1);
        r.step(hup(1));
        assertThat(r.state()).isEqualTo(StateRole.CANDIDATE);
    }

    /** Removing the leader works: it steps down, tells followers the commit, and they elect a new leader. */
    @Test
    void removingTheLeaderWorks() {
        Network nt = Network.of(null, null, null);
        nt.send(hup(1));
        Raft lead = nt.peer(1);
        lead.raftLog.appliedTo(lead.raftLog.committed());
        nt.send(proposeConfChange(1, cc(ConfChangeType.RemoveNode, 1)));
        long ccIndex = lead.raftLog.lastIndex();
        assertThat(lead.raftLog.committed()).isEqualTo(ccIndex);
        // Every node applies the removal when it sees it committed.
        lead.raftLog.appliedTo(ccIndex);
        lead.applyConfChange(cc(ConfChangeType.RemoveNode, 1));
        assertThat(lead.state()).isEqualTo(StateRole.FOLLOWER);
        nt.send(readMessages(lead).toArray(Message[]::new));
        for (long id : new long[] {2, 3}) {
            Raft f = nt.peer(id);
            assertThat(f.raftLog.committed())
                    .as("node %d learned the commit", id)
                    .isEqualTo(ccIndex);
            f.raftLog.appliedTo(ccIndex);
            f.applyConfChange(cc(ConfChangeType.RemoveNode, 1));
            assertThat(f.prs.voterIds()).containsExactly(2L, 3L);
        }
        // The removed node never campaigns again; the others elect a leader.
        tickN(lead, 100);
        assertThat(lead.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(readMessages(lead)).isEmpty();
        nt.send(hup(2));
        assertThat(nt.peer(2).state()).isEqualTo(StateRole.LEADER);
        nt.send(propose(2, "after removal"));
        assertThat(nt.peer(3).raftLog.committed()).isEqualTo(nt.peer(2).raftLog.lastIndex());
    }

    /** A removed leader refuses proposals (it is no longer part of the group). */
    @Test
    void removedLeaderRefusesProposals() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeCandidate();
        r.becomeLeader();
        r.applyConfChange(cc(ConfChangeType.RemoveNode, 1));
        assertThatThrownBy(() -> r.step(propose(1, "x"))).isInstanceOf(ProposalDroppedException.class);
    }

    /** Only voters are promotable (may campaign). */
    @Test
    void promotable() {
        assertThat(newTestRaft(1, 10, 1, storageWithPeers(1)).promotable()).isTrue();
        assertThat(newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3)).promotable())
                .isTrue();
        assertThat(newTestRaft(1, 10, 1, storageWithPeers()).promotable()).isFalse();
        assertThat(newTestRaft(1, 10, 1, storageWithPeers(2, 3)).promotable()).isFalse();
    }

    /** A newly added node starts probing from the leader's next index and counts as recently active. */
    @Test
    void addedNodeProgress() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1));
        r.becomeCandidate();
        r.becomeLeader();
        r.applyConfChange(cc(ConfChangeType.AddNode, 2));
        Progress pr = r.prs.get(2);
        assertThat(pr.match()).isZero();
        assertThat(pr.next()).isEqualTo(r.raftLog.lastIndex() + 1);
        assertThat(pr.recentActive()).isTrue();
        // The quorum is now 2 of 2: a proposal does not commit without the new node.
        long committed = r.raftLog.committed();
        r.step(propose(1, "x"));
        assertThat(r.raftLog.committed()).isEqualTo(committed);
    }

    /** A conf change with node id 0 changes nothing but clears the pending flag. */
    @Test
    void emptyConfChangeClearsPending() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        r.pendingConfIndex = 5;
        ConfState cs = r.applyConfChange(ConfChange.getDefaultInstance());
        assertThat(cs.getVotersList()).containsExactly(1L, 2L);
        assertThat(r.pendingConfIndex).isZero();
    }

    /** Demoting a voter to learner in one step is refused with a clear error. */
    @Test
    void demotionRefused() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        assertThatThrownBy(() -> r.applyConfChange(cc(ConfChangeType.AddLearnerNode, 2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("demote");
    }
}
