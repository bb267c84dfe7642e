package io.tinykv.raft;

import static io.tinykv.raft.MembershipTest.cc;
import static io.tinykv.raft.RaftTestUtil.ent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.ConfChange;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.EntryType;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The application-facing handle: Ready/advance contract, restart rules (TinyKV 2AC), API validation. */
class RawNodeTest {

    private static RawNode node(long id, MemoryStorage s) {
        return new RawNode(RaftConfig.builder(id).build(), s, new Random(id));
    }

    /** Persists and applies one Ready as the application would; returns it. */
    private static Ready handle(RawNode rn, MemoryStorage s, List<Entry> applied) {
        Ready rd = rn.ready();
        if (rd.snapshot() != null) {
            s.applySnapshot(rd.snapshot());
        }
        if (rd.hardState() != null) {
            s.setHardState(rd.hardState());
        }
        s.append(rd.entries());
        for (Entry e : rd.committedEntries()) {
            applied.add(e);
            if (e.getEntryType() == EntryType.EntryConfChange) {
                try {
                    rn.applyConfChange(ConfChange.parseFrom(e.getData()));
                } catch (InvalidProtocolBufferException ex) {
                    throw new AssertionError(ex);
                }
            }
        }
        rn.advance(rd);
        return rd;
    }

    /** Three RawNodes driven through the full Ready loop over an in-memory transport. */
    private static final class Cluster {
        final Map<Long, RawNode> nodes = new TreeMap<>();
        final Map<Long, MemoryStorage> storages = new TreeMap<>();
        final Map<Long, List<Entry>> applied = new TreeMap<>();

        Cluster(long... ids) {
            for (long id : ids) {
                MemoryStorage s = MemoryStorage.withVoters(ids);
                storages.put(id, s);
                nodes.put(id, node(id, s));
                applied.put(id, new ArrayList<>());
            }
        }

        /** Runs Ready rounds until no node has anything to do. */
        void stabilize() {
            Deque<Message> wire = new ArrayDeque<>();
            boolean progress = true;
            while (progress) {
                progress = false;
                for (var e : nodes.entrySet()) {
                    RawNode rn = e.getValue();
                    if (rn.hasReady()) {
                        progress = true;
                        Ready rd = handle(rn, storages.get(e.getKey()), applied.get(e.getKey()));
                        wire.addAll(rd.messagesBeforePersist());
                        wire.addAll(rd.messages());
                    }
                }
                while (!wire.isEmpty()) {
                    progress = true;
                    Message m = wire.poll();
                    RawNode to = nodes.get(m.getTo());
                    if (to != null) {
                        to.step(m);
                    }
                }
            }
        }

        List<ByteString> appliedData(long id) {
            return applied.get(id).stream()
                    .filter(e -> e.getEntryType() == EntryType.EntryNormal)
                    .map(Entry::getData)
                    .filter(d -> !d.isEmpty())
                    .toList();
        }
    }

    /**
     * Thesis §10.2.1: the leader's appends leave before it persists its own entries; it then counts
     * itself only once persisted. One follower's durable copy is not a quorum of three, so a leader
     * that crashes after sending but before persisting has committed nothing, and restarts without
     * the entry.
     */
    @Test
    void leaderCrashAfterSendingButBeforePersistingCommitsNothing() {
        Cluster c = new Cluster(1, 2, 3);
        c.nodes.get(1L).campaign();
        c.stabilize();
        RawNode leader = c.nodes.get(1L);
        long committedBefore = leader.commitIndex();
        leader.propose(ByteString.copyFromUtf8("x"));
        Ready rd = leader.ready();
        long xIndex = rd.entries().get(0).getIndex();
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.messagesBeforePersist())
                .extracting(Message::getMsgType)
                .containsExactly(MessageType.MsgAppend, MessageType.MsgAppend);
        assertThat(rd.messages()).isEmpty();
        // Follower 2 receives, persists and acknowledges before the leader's own fsync is done.
        RawNode two = c.nodes.get(2L);
        rd.messagesBeforePersist().stream().filter(m -> m.getTo() == 2).forEach(two::step);
        Ready followerRd = handle(two, c.storages.get(2L), c.applied.get(2L));
        List<Message> acks = followerRd.messages();
        assertThat(acks).extracting(Message::getMsgType).containsExactly(MessageType.MsgAppendResponse);
        acks.forEach(leader::step);
        assertThat(leader.commitIndex())
                .as("one durable copy of three commits nothing")
                .isEqualTo(committedBefore);
        // The leader crashes now: its Ready was never persisted. It restarts from its storage.
        RawNode restarted = new RawNode(RaftConfig.builder(1).build(), c.storages.get(1L), new Random(11));
        assertThat(restarted.lastIndex()).isLessThan(xIndex);
        assertThat(restarted.commitIndex()).isLessThan(xIndex);
    }

    /** The per-tick accessor agrees with the full status, and answers -1 off the leader. */
    @Test
    void matchIndexOfAgreesWithStatusOnTheLeaderOnly() {
        Cluster c = new Cluster(1, 2, 3);
        c.nodes.get(1L).campaign();
        c.stabilize();
        RawNode leader = c.nodes.get(1L);
        leader.propose(ByteString.copyFromUtf8("x"));
        c.stabilize();
        for (long id : List.of(1L, 2L, 3L)) {
            assertThat(leader.matchIndexOf(id))
                    .as("peer %d", id)
                    .isEqualTo(leader.status().progress().get(id).match())
                    .isPositive();
        }
        assertThat(leader.matchIndexOf(4)).as("an unknown peer").isEqualTo(-1);
        assertThat(c.nodes.get(2L).matchIndexOf(1))
                .as("a follower tracks nobody")
                .isEqualTo(-1);
    }

    /** Once the leader persisted its entry, its own copy and one follower's make the quorum. */
    @Test
    void leaderCountsItsOwnEntryOncePersisted() {
        Cluster c = new Cluster(1, 2, 3);
        c.nodes.get(1L).campaign();
        c.stabilize();
        RawNode leader = c.nodes.get(1L);
        leader.propose(ByteString.copyFromUtf8("x"));
        Ready rd = handle(leader, c.storages.get(1L), c.applied.get(1L));
        long xIndex = rd.entries().get(0).getIndex();
        RawNode two = c.nodes.get(2L);
        rd.messagesBeforePersist().stream().filter(m -> m.getTo() == 2).forEach(two::step);
        handle(two, c.storages.get(2L), c.applied.get(2L)).messages().forEach(leader::step);
        assertThat(leader.commitIndex()).isEqualTo(xIndex);
    }

    /**
     * DESIGN.md §6: a follower's acknowledgement and a granted vote state what the sender holds, so
     * they wait for its persist (Ready.messages), never leave before it.
     */
    @Test
    void aFollowersAckAndVoteLeaveOnlyAfterItsPersist() {
        Cluster c = new Cluster(1, 2, 3);
        c.nodes.get(1L).campaign();
        Ready candidate = c.nodes.get(1L).ready();
        assertThat(candidate.messagesBeforePersist())
                .as("vote requests wait for the candidate's own vote")
                .isEmpty();
        candidate.messages().stream().filter(m -> m.getTo() == 2).forEach(c.nodes.get(2L)::step);
        Ready voter = c.nodes.get(2L).ready();
        assertThat(voter.mustSync()).isTrue();
        assertThat(voter.messagesBeforePersist()).isEmpty();
        assertThat(voter.messages())
                .extracting(Message::getMsgType)
                .containsExactly(MessageType.MsgRequestVoteResponse);
        c.nodes.get(1L).advance(candidate);
        c.nodes.get(2L).advance(voter);
        voter.messages().forEach(c.nodes.get(1L)::step);
        c.stabilize();
        c.nodes.get(1L).propose(ByteString.copyFromUtf8("y"));
        Ready leaderRd = c.nodes.get(1L).ready();
        leaderRd.messagesBeforePersist().stream().filter(m -> m.getTo() == 3).forEach(c.nodes.get(3L)::step);
        Ready follower = c.nodes.get(3L).ready();
        assertThat(follower.mustSync()).isTrue();
        assertThat(follower.messagesBeforePersist()).isEmpty();
        assertThat(follower.messages()).extracting(Message::getMsgType).containsExactly(MessageType.MsgAppendResponse);
    }

    /** The whole loop: elect, propose at the leader and at a follower, every node applies the same entries. */
    @Test
    void clusterAppliesSameEntriesInOrder() {
        Cluster c = new Cluster(1, 2, 3);
        c.nodes.get(1L).campaign();
        c.stabilize();
        assertThat(c.nodes.get(1L).status().softState().role()).isEqualTo(StateRole.LEADER);
        c.nodes.get(1L).propose(ByteString.copyFromUtf8("a"));
        c.nodes.get(2L).propose(ByteString.copyFromUtf8("b")); // forwarded to the leader
        c.stabilize();
        c.nodes.get(1L).propose(ByteString.copyFromUtf8("c"));
        c.stabilize();
        for (long id = 1; id <= 3; id++) {
            assertThat(c.appliedData(id))
                    .as("node %d", id)
                    .containsExactly(
                            ByteString.copyFromUtf8("a"), ByteString.copyFromUtf8("b"), ByteString.copyFromUtf8("c"));
            assertThat(c.nodes.get(id).hasReady()).isFalse();
        }
    }

    /** Conf changes go through the log; applying them changes the membership everywhere. */
    @Test
    void confChangeThroughTheLog() {
        Cluster c = new Cluster(1, 2, 3);
        RawNode lead = c.nodes.get(1L);
        lead.campaign();
        c.stabilize();
        lead.proposeConfChange(cc(ConfChangeType.RemoveNode, 3));
        assertThatThrownBy(() -> lead.proposeConfChange(cc(ConfChangeType.AddNode, 4)))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("pending");
        c.stabilize();
        for (long id = 1; id <= 2; id++) {
            assertThat(c.nodes.get(id).raft().prs.voterIds()).containsExactly(1L, 2L);
        }
        // The next conf change is accepted once the first is applied.
        lead.proposeConfChange(cc(ConfChangeType.AddLearnerNode, 4));
        c.stabilize();
        assertThat(lead.raft().prs.learnerIds()).containsExactly(4L);
    }

    /**
     * A single node commits a proposal once the Ready that persists it is advanced: the entry is
     * committed (and applied) in the next Ready, never before the node's own copy is durable.
     */
    @Test
    void singleNodeCommitsOnceItsOwnEntryIsPersisted() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        RawNode rn = node(1, s);
        rn.campaign();
        List<Entry> applied = new ArrayList<>();
        Ready rd = handle(rn, s, applied);
        assertThat(rd.softState()).isEqualTo(new SoftState(1, StateRole.LEADER));
        assertThat(rd.hardState())
                .isEqualTo(HardState.newBuilder().setTerm(1).setVote(1).build());
        assertThat(rd.entries()).containsExactly(ent(1, 1));
        assertThat(rd.committedEntries()).isEmpty();
        assertThat(rd.mustSync()).isTrue();
        rd = handle(rn, s, applied);
        assertThat(rd.hardState())
                .isEqualTo(HardState.newBuilder()
                        .setTerm(1)
                        .setVote(1)
                        .setCommit(1)
                        .build());
        assertThat(rd.committedEntries()).containsExactly(ent(1, 1));
        assertThat(rd.mustSync()).as("only the commit index changed").isFalse();
        rn.propose(ByteString.copyFromUtf8("foo"));
        rd = handle(rn, s, applied);
        assertThat(rd.entries()).containsExactly(ent(2, 1, "foo"));
        assertThat(rd.committedEntries()).isEmpty();
        assertThat(rd.softState()).isNull();
        rd = handle(rn, s, applied);
        assertThat(rd.committedEntries()).containsExactly(ent(2, 1, "foo"));
        assertThat(rd.hardState().getCommit()).isEqualTo(2);
        assertThat(rn.hasReady()).isFalse();
    }

    /**
     * Restart (TinyKV 2AC): the first Ready has no entries to persist, the committed-but-unapplied
     * entries from storage as committedEntries, and no hard state since it did not change.
     */
    @Test
    void restartReturnsCommittedEntriesAndNoHardState() {
        List<Entry> entries = List.of(ent(1, 1), ent(2, 1, "foo"));
        HardState st = HardState.newBuilder().setTerm(1).setCommit(1).build();
        MemoryStorage s = MemoryStorage.withVoters(1);
        s.setHardState(st);
        s.append(entries);
        RawNode rn = node(1, s);
        assertThat(rn.hasReady()).isTrue();
        Ready rd = rn.ready();
        assertThat(rd.hardState()).isNull();
        assertThat(rd.softState()).isNull();
        assertThat(rd.entries()).isEmpty();
        assertThat(rd.committedEntries()).containsExactly(ent(1, 1));
        assertThat(rd.messages()).isEmpty();
        rn.advance(rd);
        assertThat(rn.hasReady()).isFalse();
        assertThat(rn.status().hardState()).isEqualTo(st);
        assertThat(rn.status().appliedIndex()).isEqualTo(1);
    }

    /** Restart with an applied index: entries up to it are not returned again. */
    @Test
    void restartSkipsAlreadyAppliedEntries() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        s.append(List.of(ent(1, 1), ent(2, 1), ent(3, 1)));
        s.setHardState(HardState.newBuilder().setTerm(1).setCommit(3).build());
        RawNode rn = new RawNode(RaftConfig.builder(1).appliedIndex(2).build(), s, new Random(1));
        Ready rd = rn.ready();
        assertThat(rd.committedEntries()).containsExactly(ent(3, 1));
        // An applied index beyond the commit index is refused with a clear error.
        assertThatThrownBy(
                        () -> new RawNode(RaftConfig.builder(1).appliedIndex(4).build(), s, new Random(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("appliedIndex");
    }

    /** Restart from a snapshot: committed entries start after it, and the membership comes from it. */
    @Test
    void restartFromSnapshot() {
        Snapshot snap = Snapshot.newBuilder()
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(2)
                        .setTerm(1)
                        .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2)))
                .build();
        MemoryStorage s = new MemoryStorage();
        s.applySnapshot(snap);
        s.append(List.of(ent(3, 1, "foo")));
        s.setHardState(HardState.newBuilder().setTerm(1).setCommit(3).build());
        RawNode rn = node(1, s);
        Ready rd = rn.ready();
        assertThat(rd.committedEntries()).containsExactly(ent(3, 1, "foo"));
        assertThat(rd.hardState()).isNull();
        assertThat(rn.raft().prs.voterIds()).containsExactly(1L, 2L);
        rn.advance(rd);
        assertThat(rn.hasReady()).isFalse();
    }

    /** A hard-state commit below the snapshot index is superseded by the snapshot (it is committed too). */
    @Test
    void staleHardStateCommitBelowSnapshotUsesSnapshotIndex() {
        MemoryStorage s = new MemoryStorage();
        s.applySnapshot(Snapshot.newBuilder()
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(5)
                        .setTerm(2)
                        .setConfState(ConfState.newBuilder().addVoters(1)))
                .build());
        s.setHardState(HardState.newBuilder().setTerm(2).setCommit(3).build());
        RawNode rn = node(1, s);
        assertThat(rn.status().hardState().getCommit()).isEqualTo(5);
        assertThat(rn.status().appliedIndex()).isEqualTo(5);
    }

    /** A commit index beyond the stored log is corrupt state: refused with a clear error. */
    @Test
    void corruptHardStateRefused() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        s.append(List.of(ent(1, 1)));
        s.setHardState(HardState.newBuilder().setTerm(1).setCommit(5).build());
        assertThatThrownBy(() -> node(1, s))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("commit");
    }

    /** Local message types cannot be stepped from the network; misaddressed messages are refused. */
    @Test
    void stepRejectsLocalAndMisaddressedMessages() {
        RawNode rn = node(1, MemoryStorage.withVoters(1, 2));
        for (MessageType t : new MessageType[] {
            MessageType.MsgHup,
            MessageType.MsgBeat,
            MessageType.MsgUnreachable,
            MessageType.MsgSnapStatus,
            MessageType.MsgCheckQuorum
        }) {
            assertThatThrownBy(() -> rn.step(Message.newBuilder()
                            .setMsgType(t)
                            .setTo(1)
                            .setFrom(2)
                            .build()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("local");
        }
        assertThatThrownBy(() -> rn.step(Message.newBuilder()
                        .setMsgType(MessageType.MsgAppend)
                        .setTo(3)
                        .setFrom(2)
                        .setTerm(1)
                        .build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("addressed");
        assertThat(rn.hasReady()).isFalse();
    }

    /** A forwarded proposal the leader cannot accept is dropped quietly (its proposer is remote). */
    @Test
    void droppedForwardedProposalIsNotThrown() {
        MemoryStorage s = MemoryStorage.withVoters(1, 2);
        RawNode rn = node(1, s);
        rn.raft().becomeCandidate();
        rn.raft().becomeLeader();
        rn.raft().leadTransferee = 2;
        rn.step(Message.newBuilder()
                .setMsgType(MessageType.MsgPropose)
                .setTo(1)
                .setFrom(2)
                .addEntries(Entry.newBuilder().setData(ByteString.copyFromUtf8("x")))
                .build());
        assertThat(rn.raft().raftLog.lastIndex()).isEqualTo(1);
        assertThatThrownBy(() -> rn.propose(ByteString.copyFromUtf8("x"))).isInstanceOf(ProposalDroppedException.class);
    }

    /** Without a leader, proposals throw a ProposalDroppedException saying so. */
    @Test
    void proposeWithoutLeaderThrows() {
        RawNode rn = node(1, MemoryStorage.withVoters(1, 2, 3));
        assertThatThrownBy(() -> rn.propose(ByteString.copyFromUtf8("x")))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("no leader");
        assertThatThrownBy(() -> rn.proposeConfChange(cc(ConfChangeType.AddNode, 4)))
                .isInstanceOf(ProposalDroppedException.class);
    }

    /** Soft and hard state appear in a Ready only when they changed. */
    @Test
    void softAndHardStateOnlyWhenChanged() {
        MemoryStorage s = MemoryStorage.withVoters(1, 2);
        RawNode rn = node(1, s);
        assertThat(rn.hasReady()).isFalse();
        rn.campaign();
        Ready rd = handle(rn, s, new ArrayList<>());
        assertThat(rd.softState()).isEqualTo(new SoftState(0, StateRole.CANDIDATE));
        assertThat(rd.hardState())
                .isEqualTo(HardState.newBuilder().setTerm(1).setVote(1).build());
        assertThat(rd.messages()).extracting(Message::getMsgType).containsExactly(MessageType.MsgRequestVote);
        assertThat(rn.hasReady()).isFalse();
        rn.step(Message.newBuilder()
                .setMsgType(MessageType.MsgRequestVoteResponse)
                .setFrom(2)
                .setTo(1)
                .setTerm(1)
                .build());
        rd = handle(rn, s, new ArrayList<>());
        assertThat(rd.softState()).isEqualTo(new SoftState(1, StateRole.LEADER));
        assertThat(rd.hardState()).isNull(); // term, vote and commit are unchanged
        assertThat(rd.entries()).containsExactly(ent(1, 1));
    }

    /** Read states are delivered once in a Ready. */
    @Test
    void readIndexDeliveredInReady() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        RawNode rn = node(1, s);
        rn.campaign();
        handle(rn, s, new ArrayList<>());
        rn.readIndex(ByteString.copyFromUtf8("req"));
        assertThat(rn.hasReady()).isTrue();
        Ready rd = handle(rn, s, new ArrayList<>());
        assertThat(rd.readStates()).containsExactly(new ReadState(1, ByteString.copyFromUtf8("req")));
        assertThat(rn.hasReady()).isFalse();
    }

    /** Status shows progress only on the leader; reports change that progress. */
    @Test
    void statusAndReports() {
        Cluster c = new Cluster(1, 2, 3);
        RawNode lead = c.nodes.get(1L);
        lead.campaign();
        c.stabilize();
        Status st = lead.status();
        assertThat(st.id()).isEqualTo(1);
        assertThat(st.softState()).isEqualTo(new SoftState(1, StateRole.LEADER));
        assertThat(st.progress()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(st.progress().get(2L).state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(c.nodes.get(2L).status().progress()).isEmpty();
        lead.reportUnreachable(2);
        assertThat(lead.status().progress().get(2L).state()).isEqualTo(ProgressState.PROBE);
        lead.raft().prs.get(3).becomeSnapshot(5);
        lead.reportSnapshot(3, SnapshotStatus.FAILURE);
        assertThat(lead.status().progress().get(3L).state()).isEqualTo(ProgressState.PROBE);
        assertThat(lead.status().progress().get(3L).pendingSnapshotIndex()).isZero();
    }

    /** transferLeader through the RawNode API hands leadership over. */
    @Test
    void transferLeaderThroughApi() {
        Cluster c = new Cluster(1, 2, 3);
        c.nodes.get(1L).campaign();
        c.stabilize();
        c.nodes.get(1L).transferLeader(3);
        c.stabilize();
        assertThat(c.nodes.get(3L).status().softState().role()).isEqualTo(StateRole.LEADER);
        assertThat(c.nodes.get(1L).status().softState()).isEqualTo(new SoftState(3, StateRole.FOLLOWER));
    }

    /** A follower receiving a snapshot hands it out in a Ready; after advance it counts as applied. */
    @Test
    void snapshotInReadyThenApplied() {
        MemoryStorage s = MemoryStorage.withVoters(1, 2);
        RawNode rn = node(2, s);
        Snapshot snap = Snapshot.newBuilder()
                .setData(ByteString.copyFromUtf8("sm"))
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(10)
                        .setTerm(3)
                        .setConfState(ConfState.newBuilder().addVoters(1).addVoters(2)))
                .build();
        rn.step(Message.newBuilder()
                .setMsgType(MessageType.MsgSnapshot)
                .setFrom(1)
                .setTo(2)
                .setTerm(3)
                .setSnapshot(snap)
                .build());
        Ready rd = rn.ready();
        assertThat(rd.snapshot()).isEqualTo(snap);
        assertThat(rd.hardState().getCommit()).isEqualTo(10);
        assertThat(rd.committedEntries()).isEmpty();
        s.applySnapshot(rd.snapshot());
        s.setHardState(rd.hardState());
        rn.advance(rd);
        assertThat(rn.status().appliedIndex()).isEqualTo(10);
        assertThat(rn.hasReady()).isFalse();
    }

    /** A null config, storage or random is refused with a clear error. */
    @Test
    void nullArgumentsRefused() {
        RaftConfig cfg = RaftConfig.builder(1).build();
        assertThatThrownBy(() -> new RawNode(cfg, null, new Random(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("storage");
        assertThatThrownBy(() -> new RawNode(cfg, new MemoryStorage(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("random");
        assertThatThrownBy(() -> new RawNode(null, new MemoryStorage(), new Random(1)))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("config");
    }

    /** Ready lists are immutable and isEmpty reflects them. */
    @Test
    void readyIsImmutable() {
        Ready empty = new Ready(null, null, List.of(), List.of(), null, List.of(), List.of());
        assertThat(empty.isEmpty()).isTrue();
        List<Entry> mutable = new ArrayList<>(List.of(ent(1, 1)));
        Ready rd = new Ready(null, null, List.of(), mutable, null, List.of(), List.of());
        mutable.clear();
        assertThat(rd.entries()).hasSize(1);
        assertThat(rd.isEmpty()).isFalse();
        assertThatThrownBy(() -> rd.entries().add(ent(2, 1))).isInstanceOf(UnsupportedOperationException.class);
    }
}
