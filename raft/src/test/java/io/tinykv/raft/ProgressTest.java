package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-follower replication progress: probe / replicate / snapshot and the inflight window. */
class ProgressTest {

    /** Leaving any state resets the inflight window and pause; next follows match (or the snapshot). */
    @Test
    void stateTransitionsResetAndPlaceNext() {
        Progress p = new Progress(1, 5, 256, false);
        p.becomeReplicate();
        assertThat(p.next()).isEqualTo(2);
        p.inflights().add(3);
        p.becomeProbe();
        assertThat(p.next()).isEqualTo(2);
        assertThat(p.inflights().count()).isZero();
        p.becomeSnapshot(10);
        assertThat(p.pendingSnapshot()).isEqualTo(10);
        p.becomeProbe();
        assertThat(p.next()).isEqualTo(11); // after the snapshot
        assertThat(p.pendingSnapshot()).isZero();
    }

    /** maybeUpdate moves match forward only, and never moves next backwards. */
    @Test
    void maybeUpdate() {
        long prevM = 3;
        long prevN = 5;
        long[][] cases = {
            {prevM - 1, prevM, prevN, 0},
            {prevM, prevM, prevN, 0},
            {prevM + 1, prevM + 1, prevN, 1},
            {prevM + 2, prevM + 2, prevN + 1, 1}
        };
        for (long[] c : cases) {
            Progress p = new Progress(prevM, prevN, 256, false);
            boolean ok = p.maybeUpdate(c[0]);
            assertThat(ok).isEqualTo(c[3] == 1);
            assertThat(p.match()).isEqualTo(c[1]);
            assertThat(p.next()).isEqualTo(c[2]);
        }
    }

    /** maybeDecrTo: stale rejections are ignored; in probe, next goes to min(rejected, hint + 1), at least 1. */
    @Test
    void maybeDecrTo() {
        record Case(ProgressState state, long m, long n, long rejected, long last, boolean w, long wn) {}
        List<Case> cases = List.of(
                // replicate: match matters, not next
                new Case(ProgressState.REPLICATE, 5, 10, 5, 5, false, 10),
                new Case(ProgressState.REPLICATE, 5, 10, 4, 4, false, 10),
                new Case(ProgressState.REPLICATE, 5, 10, 9, 9, true, 6),
                // next-1 != rejected: stale
                new Case(ProgressState.PROBE, 0, 0, 0, 0, false, 0),
                new Case(ProgressState.PROBE, 0, 10, 5, 5, false, 10),
                // next-1 == rejected
                new Case(ProgressState.PROBE, 0, 10, 9, 9, true, 9),
                new Case(ProgressState.PROBE, 0, 2, 1, 1, true, 1),
                new Case(ProgressState.PROBE, 0, 1, 0, 0, true, 1),
                new Case(ProgressState.PROBE, 0, 10, 9, 2, true, 3),
                new Case(ProgressState.PROBE, 0, 10, 9, 0, true, 1));
        for (Case c : cases) {
            Progress p = new Progress(c.m, c.n, 256, false);
            if (c.state == ProgressState.REPLICATE) {
                p.becomeReplicate();
                p.setMatchAndNext(c.m, c.n);
            }
            assertThat(p.maybeDecrTo(c.rejected, c.last)).as("case %s", c).isEqualTo(c.w);
            assertThat(p.next()).as("case %s", c).isEqualTo(c.wn);
        }
    }

    /** Paused: probe after one send, replicate when the window is full, snapshot always. */
    @Test
    void isPaused() {
        Progress p = new Progress(0, 1, 1, false);
        assertThat(p.isPaused()).isFalse();
        p.setProbeSent(true);
        assertThat(p.isPaused()).isTrue();
        p.becomeReplicate();
        assertThat(p.isPaused()).isFalse();
        p.inflights().add(1);
        assertThat(p.isPaused()).isTrue();
        p.becomeSnapshot(3);
        assertThat(p.isPaused()).isTrue();
        // An acknowledgement resumes a paused probe.
        Progress q = new Progress(0, 1, 1, false);
        q.setProbeSent(true);
        q.maybeUpdate(1);
        assertThat(q.isPaused()).isFalse();
    }

    /** A leader in probe state sends one append per heartbeat interval until it hears back. */
    @Test
    void probeSendsOneAppendAtATime() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        r.becomeCandidate();
        r.becomeLeader();
        readMessages(r);
        r.step(propose(1, "a"));
        r.step(propose(1, "b"));
        r.step(propose(1, "c"));
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(r.prs.get(2).probeSent()).isTrue();
        // A heartbeat response unpauses the probe (and the lagging follower gets an append).
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(1).build());
        assertThat(readMessages(r)).extracting(Message::getMsgType).containsExactly(MessageType.MsgAppend);
    }

    /** In replicate state the leader pipelines until the window is full, and acks free it. */
    @Test
    void replicateFillsWindowThenWaitsForAcks() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2), b -> b.maxInflightMsgs(3));
        r.becomeCandidate();
        r.becomeLeader();
        readMessages(r);
        r.prs.get(2).becomeReplicate();
        // One append per round: three rounds fill the window, the fourth round's entries wait.
        List<Message> msgs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            r.step(propose(1, "x" + i));
            msgs.addAll(readMessages(r));
        }
        assertThat(msgs).hasSize(3);
        assertThat(r.prs.get(2).inflights().full()).isTrue();
        // Ack the first message: one slot frees, one more append goes out.
        Message first = msgs.get(0);
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(1)
                .setIndex(first.getIndex() + first.getEntriesCount())
                .build());
        assertThat(readMessages(r)).extracting(Message::getMsgType).contains(MessageType.MsgAppend);
        // A heartbeat response on a full window frees one slot (lost appends must not stall forever).
        assertThat(r.prs.get(2).inflights().full()).isTrue();
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(1).build());
        assertThat(r.prs.get(2).inflights().count()).isLessThanOrEqualTo(3);
        assertThat(readMessages(r)).isNotEmpty();
    }

    /** A rejection in replicate state falls back to probing from the last known match. */
    @Test
    void rejectionInReplicateFallsBackToProbe() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        r.becomeCandidate();
        r.becomeLeader();
        readMessages(r);
        r.step(msg(MessageType.MsgAppendResponse, 2, 1).setTerm(1).setIndex(1).build());
        assertThat(r.prs.get(2).state()).isEqualTo(ProgressState.REPLICATE);
        r.step(propose(1, "a"));
        readMessages(r);
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(1)
                .setIndex(2)
                .setReject(true)
                .setRejectHint(1)
                .build());
        assertThat(r.prs.get(2).state()).isEqualTo(ProgressState.PROBE);
        assertThat(r.prs.get(2).next()).isEqualTo(2);
    }

    /**
     * The leader's own progress follows its persisted log (§5.3 nextIndex/matchIndex bookkeeping,
     * thesis §10.2.1): an appended entry counts as the leader's match only once persisted.
     */
    @Test
    void leaderOwnProgressFollowsItsPersistedLog() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        r.becomeCandidate();
        r.becomeLeader();
        r.prs.get(2).becomeReplicate();
        for (int i = 0; i < 5; i++) {
            Progress self = r.prs.get(1);
            assertThat(self.state()).isEqualTo(ProgressState.REPLICATE);
            assertThat(self.match()).as("appended, not yet persisted").isEqualTo(i);
            RaftTestUtil.persistOwnLog(r);
            assertThat(self.match()).isEqualTo(i + 1);
            r.step(propose(1, "foo"));
        }
        // A follower in replicate state has next past everything sent, match only what it acknowledged.
        readMessages(r);
        assertThat(r.prs.get(2).next()).isEqualTo(r.raftLog.lastIndex() + 1);
        assertThat(r.prs.get(2).match()).isZero();
    }
}
