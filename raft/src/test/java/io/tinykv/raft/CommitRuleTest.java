package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.allEntries;
import static io.tinykv.raft.RaftTestUtil.ent;
import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The commit rule of §5.4.2 (figure 8): only entries of the current term commit by counting. */
class CommitRuleTest {

    /** Quorum commit: the commit index is the largest index a majority holds, if of the current term. */
    @Test
    void commitIndexFromMatchesAndTerm() {
        record Case(long[] matches, List<Entry> logs, long smTerm, long w) {}
        List<Case> cases = List.of(
                // single
                new Case(new long[] {1}, List.of(ent(1, 1)), 1, 1),
                new Case(new long[] {1}, List.of(ent(1, 1)), 2, 0),
                new Case(new long[] {2}, List.of(ent(1, 1), ent(2, 2)), 2, 2),
                new Case(new long[] {1}, List.of(ent(1, 2)), 2, 1),
                // odd
                new Case(new long[] {2, 1, 1}, List.of(ent(1, 1), ent(2, 2)), 1, 1),
                new Case(new long[] {2, 1, 1}, List.of(ent(1, 1), ent(2, 1)), 2, 0),
                new Case(new long[] {2, 1, 2}, List.of(ent(1, 1), ent(2, 2)), 2, 2),
                new Case(new long[] {2, 1, 2}, List.of(ent(1, 1), ent(2, 1)), 2, 0),
                // even
                new Case(new long[] {2, 1, 1, 1}, List.of(ent(1, 1), ent(2, 2)), 1, 1),
                new Case(new long[] {2, 1, 1, 1}, List.of(ent(1, 1), ent(2, 1)), 2, 0),
                new Case(new long[] {2, 1, 1, 2}, List.of(ent(1, 1), ent(2, 2)), 1, 1),
                new Case(new long[] {2, 1, 1, 2}, List.of(ent(1, 1), ent(2, 1)), 2, 0),
                new Case(new long[] {2, 1, 2, 2}, List.of(ent(1, 1), ent(2, 2)), 2, 2),
                new Case(new long[] {2, 1, 2, 2}, List.of(ent(1, 1), ent(2, 1)), 2, 0));
        for (Case c : cases) {
            MemoryStorage s = storageWithPeers(1);
            s.append(c.logs);
            s.setHardState(HardState.newBuilder().setTerm(c.smTerm).build());
            Raft r = newTestRaft(1, 10, 2, s);
            for (int j = 0; j < c.matches.length; j++) {
                long id = j + 1;
                if (!r.prs.contains(id)) {
                    r.prs.add(id, 0, 1, false);
                }
                r.prs.get(id).setMatchAndNext(c.matches[j], c.matches[j] + 1);
            }
            r.maybeCommit();
            assertThat(r.raftLog.committed())
                    .as("case %s", java.util.Arrays.toString(c.matches) + " " + c.logs)
                    .isEqualTo(c.w);
        }
    }

    /**
     * Figure 8: a leader must not commit an entry of an older term by counting replicas, even once a
     * majority holds it; it commits once an entry of its own term is replicated on a majority.
     */
    @Test
    void leaderOnlyCommitsLogFromCurrentTerm() {
        // Log: entries of terms 1 and 2, leader elected in term 3 — but its no-op is not yet replicated.
        MemoryStorage s = storageWithPeers(1, 2, 3);
        s.append(List.of(ent(1, 1), ent(2, 2)));
        s.setHardState(HardState.newBuilder().setTerm(2).build());
        Raft r = newTestRaft(1, 10, 1, s);
        r.becomeCandidate();
        r.becomeLeader();
        readMessages(r);
        // A follower acknowledges index 2 (term 2): a majority holds it, yet it is not of term 3.
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(r.term())
                .setIndex(2)
                .build());
        assertThat(r.raftLog.committed()).isZero();
        // Once the no-op (index 3, term 3) is on a majority, everything up to it commits.
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(r.term())
                .setIndex(3)
                .build());
        assertThat(r.raftLog.committed()).isEqualTo(3);
    }

    /** The same in a network, figure 8's scenario: old-term entries commit only through a new-term entry. */
    @Test
    void cannotCommitWithoutNewTermEntry() {
        Network tt = Network.of(null, null, null, null, null);
        tt.send(hup(1));
        // 0 cannot reach 2,3,4
        tt.cut(1, 3);
        tt.cut(1, 4);
        tt.cut(1, 5);
        tt.send(propose(1, "some data"));
        tt.send(propose(1, "some data"));
        Raft sm = tt.peer(1);
        assertThat(sm.raftLog.committed()).isEqualTo(1);
        // network recovery
        tt.recover();
        // avoid committing ChangeTerm proposal
        tt.ignore(MessageType.MsgAppend);
        // elect 2 as the new leader with term 2
        tt.send(hup(2));
        // no log entries from previous term should be committed
        sm = tt.peer(2);
        assertThat(sm.raftLog.committed()).isEqualTo(1);
        tt.recover();
        // send heartbeat; reset wait
        tt.send(RaftTestUtil.beat(2));
        // append an entry at current term
        tt.send(propose(2, "some data"));
        // expect the committed to be advanced
        assertThat(sm.raftLog.committed()).isEqualTo(5);
    }

    /** The new leader's no-op commits the entries of older terms it carries, without new proposals. */
    @Test
    void commitWithoutNewProposalViaNoOp() {
        Network tt = Network.of(null, null, null, null, null);
        tt.send(hup(1));
        tt.cut(1, 3);
        tt.cut(1, 4);
        tt.cut(1, 5);
        tt.send(propose(1, "some data"));
        tt.send(propose(1, "some data"));
        assertThat(tt.peer(1).raftLog.committed()).isEqualTo(1);
        tt.recover();
        // elect 2 as the new leader with term 2; its no-op commits everything.
        tt.send(hup(2));
        assertThat(tt.peer(2).raftLog.committed()).isEqualTo(4);
    }

    /** An isolated old leader keeps accepting proposals but never commits them; they are overwritten. */
    @Test
    void isolatedOldLeaderNeverCommits() {
        Network tt = Network.of(null, null, null);
        tt.send(hup(1));
        tt.isolate(1);
        tt.send(propose(1, "lost"));
        tt.send(propose(1, "lost too"));
        assertThat(tt.peer(1).raftLog.committed()).isEqualTo(1);
        tt.send(hup(2));
        tt.send(propose(2, "kept"));
        assertThat(tt.peer(2).raftLog.committed()).isEqualTo(3);
        assertThat(tt.peer(1).raftLog.committed()).isEqualTo(1);
        tt.recover();
        tt.send(RaftTestUtil.beat(2));
        Raft old = tt.peer(1);
        assertThat(old.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(allEntries(old)).isEqualTo(allEntries(tt.peer(2)));
        assertThat(allEntries(old)).noneMatch(e -> e.getData().toStringUtf8().startsWith("lost"));
    }

    /**
     * Figure 8 (c)→(d): S1, leader of term 4, sees its term-2 entry at index 2 on a majority (S1, S2,
     * S3) but must not commit it — because S5 (log [1, 3]) can still be elected by S2, S3, S4 and
     * overwrite index 2 on all of them.
     */
    @Test
    void figure8OldTermEntryOnMajorityIsNotCommittedAndCanBeOverwritten() {
        java.util.function.Consumer<RaftConfig.Builder> cfg = b -> {};
        Raft s1 = RaftTestUtil.entsWithConfig(1, cfg, 1, 2);
        Raft s2 = RaftTestUtil.entsWithConfig(2, cfg, 1, 2);
        Raft s3 = RaftTestUtil.entsWithConfig(3, cfg, 1, 2);
        Raft s4 = RaftTestUtil.entsWithConfig(4, cfg, 1);
        Raft s5 = RaftTestUtil.entsWithConfig(5, cfg, 1, 3);
        Network tt = Network.of(s1, s2, s3, s4, s5);
        for (Raft r : tt.peers.values()) {
            r.becomeFollower(3, Raft.NONE);
        }
        // (c) S1 leads term 4; S2 and S3 acknowledge index 2 only.
        s1.becomeCandidate();
        s1.becomeLeader();
        assertThat(s1.term()).isEqualTo(4);
        s1.step(msg(MessageType.MsgAppendResponse, 2, 1).setTerm(4).setIndex(2).build());
        s1.step(msg(MessageType.MsgAppendResponse, 3, 1).setTerm(4).setIndex(2).build());
        assertThat(s1.raftLog.committed())
                .as("term-2 entry on a majority must not commit")
                .isZero();
        // (d) S1 crashes; S5 wins term 5 with S2, S3, S4 and overwrites index 2.
        tt.isolate(1);
        s5.becomeFollower(4, Raft.NONE);
        tt.send(hup(5));
        assertThat(s5.state()).isEqualTo(StateRole.LEADER);
        for (Raft r : List.of(s2, s3, s4, s5)) {
            assertThat(r.raftLog.term(2)).as("node %d index 2", r.id).isEqualTo(3);
            assertThat(r.raftLog.committed()).isEqualTo(3);
        }
    }
}
