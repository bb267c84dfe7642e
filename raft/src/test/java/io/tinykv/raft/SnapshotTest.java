package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.ent;
import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log compaction and InstallSnapshot, Raft paper §7. */
class SnapshotTest {

    static Snapshot snap(long index, long term, ConfState cs) {
        return Snapshot.newBuilder()
                .setData(ByteString.copyFromUtf8("state"))
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(index)
                        .setTerm(term)
                        .setConfState(cs))
                .build();
    }

    static ConfState voters(long... ids) {
        ConfState.Builder b = ConfState.newBuilder();
        for (long id : ids) {
            b.addVoters(id);
        }
        return b.build();
    }

    private static final Snapshot TESTING_SNAP = snap(11, 11, voters(1, 2));

    /** §7: restoring replaces the log, sets commit and membership; a second restore is a no-op. */
    @Test
    void restoreSetsLogCommitAndMembership() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        assertThat(sm.restore(snap(11, 11, voters(1, 2, 3)))).isTrue();
        assertThat(sm.raftLog.lastIndex()).isEqualTo(11);
        assertThat(sm.raftLog.term(11)).isEqualTo(11);
        assertThat(sm.raftLog.committed()).isEqualTo(11);
        assertThat(sm.prs.voterIds()).containsExactly(1L, 2L, 3L);
        assertThat(sm.raftLog.hasPendingSnapshot()).isTrue();
        assertThat(sm.restore(snap(11, 11, voters(1, 2, 3)))).isFalse();
    }

    /** §7: learners in the snapshot's membership are restored as learners. */
    @Test
    void restoreWithLearners() {
        ConfState cs =
                ConfState.newBuilder().addVoters(1).addVoters(2).addLearners(3).build();
        Raft sm = newTestRaft(3, 8, 2, RaftTestUtil.storageWithLearners(new long[] {1, 2}, new long[] {3}));
        assertThat(sm.restore(snap(11, 11, cs))).isTrue();
        assertThat(sm.prs.voterIds()).containsExactly(1L, 2L);
        assertThat(sm.prs.learnerIds()).containsExactly(3L);
        assertThat(sm.isLearner()).isTrue();
    }

    /** A snapshot whose membership does not contain this node is refused. */
    @Test
    void restoreRefusedWhenNotMember() {
        Raft sm = newTestRaft(3, 10, 1, storageWithPeers(1, 2, 3));
        assertThat(sm.restore(snap(11, 11, voters(1, 2)))).isFalse();
        assertThat(sm.raftLog.lastIndex()).isZero();
    }

    /** A snapshot at or below the commit index is ignored (stale), and the sender learns our commit. */
    @Test
    void staleSnapshotIgnored() {
        MemoryStorage s = storageWithPeers(1, 2);
        s.append(List.of(ent(1, 1), ent(2, 1), ent(3, 1)));
        Raft sm = newTestRaft(1, 10, 1, s);
        sm.raftLog.commitTo(3);
        sm.becomeFollower(2, 2);
        sm.step(msg(MessageType.MsgSnapshot, 2, 1)
                .setTerm(2)
                .setSnapshot(snap(2, 1, voters(1, 2)))
                .build());
        assertThat(sm.raftLog.committed()).isEqualTo(3);
        assertThat(sm.raftLog.hasPendingSnapshot()).isFalse();
        List<Message> msgs = readMessages(sm);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgAppendResponse);
        assertThat(msgs.get(0).getIndex()).isEqualTo(3);
    }

    /** A snapshot whose last entry we already hold just fast-forwards the commit index. */
    @Test
    void snapshotMatchingOurLogFastForwardsCommit() {
        MemoryStorage s = storageWithPeers(1, 2);
        s.append(List.of(ent(1, 1), ent(2, 1), ent(3, 1)));
        Raft sm = newTestRaft(1, 10, 1, s);
        assertThat(sm.restore(snap(2, 1, voters(1, 2)))).isFalse();
        assertThat(sm.raftLog.committed()).isEqualTo(2);
        assertThat(sm.raftLog.lastIndex()).isEqualTo(3);
        assertThat(sm.raftLog.hasPendingSnapshot()).isFalse();
    }

    /** §7: a follower whose next index is below the leader's first index receives MsgSnapshot. */
    @Test
    void leaderSendsSnapshotToFollowerBehindCompaction() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1));
        sm.restore(TESTING_SNAP);
        sm.becomeCandidate();
        sm.becomeLeader();
        readMessages(sm);
        sm.prs.get(2).setMatchAndNext(0, sm.raftLog.firstIndex());
        sm.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(sm.term())
                .setIndex(sm.prs.get(2).next() - 1)
                .setReject(true)
                .build());
        List<Message> msgs = readMessages(sm);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgSnapshot);
        assertThat(msgs.get(0).getSnapshot().getMetadata().getIndex()).isEqualTo(11);
        assertThat(sm.prs.get(2).state()).isEqualTo(ProgressState.SNAPSHOT);
        assertThat(sm.prs.get(2).pendingSnapshot()).isEqualTo(11);
    }

    /** No snapshot is sent to a follower not heard from recently (it may be down). */
    @Test
    void noSnapshotToInactiveFollower() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1));
        sm.restore(TESTING_SNAP);
        sm.becomeCandidate();
        sm.becomeLeader();
        readMessages(sm);
        sm.prs.get(2).setMatchAndNext(0, sm.raftLog.firstIndex() - 1);
        sm.prs.get(2).setRecentActive(false);
        sm.step(propose(1, "somedata"));
        assertThat(readMessages(sm)).isEmpty();
    }

    /** A storage still preparing its snapshot makes the leader retry later instead of failing. */
    @Test
    void snapshotTemporarilyUnavailableRetriesLater() {
        MemoryStorage inner = storageWithPeers(1, 2);
        inner.append(List.of(ent(1, 1), ent(2, 1), ent(3, 1)));
        inner.createSnapshot(2, voters(1, 2), ByteString.EMPTY);
        inner.compact(2);
        boolean[] ready = {false};
        Storage storage = new DelegatingStorage(inner) {
            @Override
            public Snapshot snapshot() {
                if (!ready[0]) {
                    throw new SnapshotTemporarilyUnavailableException("building");
                }
                return super.snapshot();
            }
        };
        Raft sm = new Raft(RaftConfig.builder(1).build(), storage, new java.util.Random(1));
        sm.becomeCandidate();
        sm.becomeLeader();
        readMessages(sm);
        sm.prs.get(2).setMatchAndNext(0, 1);
        sm.prs.get(2).setRecentActive(true);
        sm.sendAppend(2);
        assertThat(readMessages(sm)).isEmpty();
        assertThat(sm.prs.get(2).state()).isEqualTo(ProgressState.PROBE);
        ready[0] = true;
        sm.sendAppend(2);
        assertThat(readMessages(sm)).extracting(Message::getMsgType).containsExactly(MessageType.MsgSnapshot);
    }

    /** While a snapshot is pending, no appends go to that follower. */
    @Test
    void pendingSnapshotPausesReplication() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        sm.restore(TESTING_SNAP);
        sm.becomeCandidate();
        sm.becomeLeader();
        sm.prs.get(2).becomeSnapshot(11);
        sm.step(propose(1, "somedata"));
        assertThat(readMessages(sm)).isEmpty();
    }

    /** A failed snapshot report returns the follower to probing from its match, paused until it answers. */
    @Test
    void snapshotFailureResumesProbing() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        sm.restore(TESTING_SNAP);
        sm.becomeCandidate();
        sm.becomeLeader();
        sm.prs.get(2).setMatchAndNext(0, 1);
        sm.prs.get(2).becomeSnapshot(11);
        sm.step(msg(MessageType.MsgSnapStatus, 2, 1).setReject(true).build());
        Progress pr = sm.prs.get(2);
        assertThat(pr.pendingSnapshot()).isZero();
        assertThat(pr.next()).isEqualTo(1);
        assertThat(pr.state()).isEqualTo(ProgressState.PROBE);
        assertThat(pr.probeSent()).isTrue();
    }

    /** A successful snapshot report probes from after the snapshot, paused until the follower answers. */
    @Test
    void snapshotSuccessProbesAfterSnapshot() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        sm.restore(TESTING_SNAP);
        sm.becomeCandidate();
        sm.becomeLeader();
        sm.prs.get(2).setMatchAndNext(0, 1);
        sm.prs.get(2).becomeSnapshot(11);
        sm.step(msg(MessageType.MsgSnapStatus, 2, 1).build());
        Progress pr = sm.prs.get(2);
        assertThat(pr.pendingSnapshot()).isZero();
        assertThat(pr.next()).isEqualTo(12);
        assertThat(pr.state()).isEqualTo(ProgressState.PROBE);
        assertThat(pr.probeSent()).isTrue();
    }

    /** An append response covering the pending snapshot ends snapshot state early (replicate). */
    @Test
    void appendResponseCoveringSnapshotAbortsIt() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        sm.restore(TESTING_SNAP);
        sm.becomeCandidate();
        sm.becomeLeader();
        sm.prs.get(2).setMatchAndNext(0, 1);
        sm.prs.get(2).becomeSnapshot(11);
        // The follower acknowledged the leader's no-op at 12 (e.g. through another path).
        sm.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(sm.term())
                .setIndex(12)
                .build());
        Progress pr = sm.prs.get(2);
        assertThat(pr.pendingSnapshot()).isZero();
        assertThat(pr.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(pr.next()).isEqualTo(13);
        assertThat(pr.match()).isEqualTo(12);
    }

    /** §7: a follower installs a snapshot received from the leader and acknowledges its index. */
    @Test
    void followerRestoresFromSnapshotMessage() {
        Raft sm = newTestRaft(2, 10, 1, storageWithPeers(1, 2));
        sm.step(msg(MessageType.MsgSnapshot, 1, 2)
                .setTerm(2)
                .setSnapshot(TESTING_SNAP)
                .build());
        assertThat(sm.lead()).isEqualTo(1);
        assertThat(sm.raftLog.committed()).isEqualTo(11);
        List<Message> msgs = readMessages(sm);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgAppendResponse);
        assertThat(msgs.get(0).getIndex()).isEqualTo(11);
        assertThat(msgs.get(0).getReject()).isFalse();
    }

    /** A slow node catches up through a snapshot after the leader compacted its log. */
    @Test
    void slowNodeCatchesUpThroughSnapshot() {
        Network nt = Network.of(null, null, null);
        nt.send(hup(1));
        nt.isolate(3);
        for (int j = 0; j <= 100; j++) {
            nt.send(propose(1, "data" + j));
        }
        Raft lead = nt.peer(1);
        MemoryStorage ls = nt.storages.get(1L);
        RaftTestUtil.persist(lead, ls);
        long applied = lead.raftLog.committed();
        lead.raftLog.appliedTo(applied);
        ls.createSnapshot(applied, lead.prs.confState(), ByteString.copyFromUtf8("sm"));
        ls.compact(applied);
        nt.recover();
        // Heartbeats reveal the follower is alive and behind; the leader sends the snapshot.
        Message snapMsg = null;
        for (int i = 0; i < 5 && nt.peer(3).raftLog.committed() < lead.raftLog.committed(); i++) {
            int before = nt.delivered.size();
            nt.send(RaftTestUtil.beat(1));
            for (Message m : nt.delivered.subList(before, nt.delivered.size())) {
                if (m.getMsgType() == MessageType.MsgSnapshot) {
                    snapMsg = m;
                }
            }
            // The application reports the snapshot as delivered.
            if (lead.prs.get(3).state() == ProgressState.SNAPSHOT) {
                lead.step(msg(MessageType.MsgSnapStatus, 3, 1).build());
            }
        }
        assertThat(snapMsg).as("a snapshot was sent").isNotNull();
        nt.send(propose(1, "after"));
        assertThat(nt.peer(3).raftLog.committed()).isEqualTo(lead.raftLog.committed());
        assertThat(nt.peer(3).raftLog.lastIndex()).isEqualTo(lead.raftLog.lastIndex());
    }

    /** A node that is not a follower refuses to restore (only a leader of its term sends snapshots). */
    @Test
    void restoreAsCandidateRefused() {
        Raft sm = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        sm.becomeCandidate();
        assertThat(sm.restore(TESTING_SNAP)).isFalse();
        assertThat(sm.state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** Delegates to another storage, so a test can override one method. */
    private static class DelegatingStorage implements Storage {
        private final Storage d;

        DelegatingStorage(Storage d) {
            this.d = d;
        }

        @Override
        public InitialState initialState() {
            return d.initialState();
        }

        @Override
        public List<Entry> entries(long lo, long hi, long maxSizeBytes) {
            return d.entries(lo, hi, maxSizeBytes);
        }

        @Override
        public long term(long index) {
            return d.term(index);
        }

        @Override
        public long firstIndex() {
            return d.firstIndex();
        }

        @Override
        public long lastIndex() {
            return d.lastIndex();
        }

        @Override
        public Snapshot snapshot() {
            return d.snapshot();
        }
    }
}
