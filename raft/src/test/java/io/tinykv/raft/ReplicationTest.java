package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.ackAppends;
import static io.tinykv.raft.RaftTestUtil.allEntries;
import static io.tinykv.raft.RaftTestUtil.ent;
import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Log replication, Raft paper §5.3, and the leader's per-follower flow control. */
class ReplicationTest {

    private static Raft leaderOf3() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeCandidate();
        r.becomeLeader();
        return r;
    }

    /**
     * §5.3: the leader appends a proposal to its log and sends MsgAppend with the previous index and
     * term, the new entries and its commit index.
     */
    @Test
    void leaderStartsReplication() {
        Raft r = leaderOf3();
        commitNoopWithAll(r);
        long li = r.raftLog.lastIndex();
        r.step(propose(1, "some data"));
        assertThat(r.raftLog.lastIndex()).isEqualTo(li + 1);
        assertThat(r.raftLog.committed()).isEqualTo(li);
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(2);
        Entry expected = ent(li + 1, 1, "some data");
        for (Message m : msgs) {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgAppend);
            assertThat(m.getTerm()).isEqualTo(1);
            assertThat(m.getIndex()).isEqualTo(li);
            assertThat(m.getLogTerm()).isEqualTo(1);
            assertThat(m.getEntriesList()).containsExactly(expected);
            assertThat(m.getCommit()).isEqualTo(li);
        }
        assertThat(r.raftLog.unstableEntries()).endsWith(expected);
    }

    /** §5.3: an entry replicated on a majority is committed, and followers learn the commit index. */
    @Test
    void leaderCommitsEntryAndTellsFollowers() {
        Raft r = leaderOf3();
        commitNoopWithAll(r);
        long li = r.raftLog.lastIndex();
        r.step(propose(1, "some data"));
        ackAppends(r, readMessages(r));
        assertThat(r.raftLog.committed()).isEqualTo(li + 1);
        assertThat(r.raftLog.nextEntries(Entries.NO_LIMIT)).last().isEqualTo(ent(li + 1, 1, "some data"));
        List<Message> msgs = readMessages(r);
        assertThat(msgs).extracting(Message::getTo).containsExactly(2L, 3L);
        for (Message m : msgs) {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgAppend);
            assertThat(m.getCommit()).isEqualTo(li + 1);
        }
    }

    /** §5.3: the leader commits once a majority (itself included) acknowledged, not before. */
    @Test
    void leaderAcknowledgesCommitOnlyWithMajority() {
        record Case(int size, List<Long> acceptors, boolean committed) {}
        List<Case> cases = List.of(
                new Case(1, List.of(), true),
                new Case(3, List.of(), false),
                new Case(3, List.of(2L), true),
                new Case(3, List.of(2L, 3L), true),
                new Case(5, List.of(), false),
                new Case(5, List.of(2L), false),
                new Case(5, List.of(2L, 3L), true),
                new Case(5, List.of(2L, 3L, 4L), true),
                new Case(5, List.of(2L, 3L, 4L, 5L), true));
        for (Case c : cases) {
            Raft r = newTestRaft(1, 10, 1, storageWithPeers(RaftTestUtil.ids(c.size)));
            r.becomeCandidate();
            r.becomeLeader();
            commitNoopWithAll(r);
            long li = r.raftLog.lastIndex();
            r.step(propose(1, "some data"));
            for (Message m : readMessages(r)) {
                if (c.acceptors.contains(m.getTo())) {
                    r.step(msg(MessageType.MsgAppendResponse, m.getTo(), 1)
                            .setTerm(1)
                            .setIndex(m.getIndex() + m.getEntriesCount())
                            .build());
                }
            }
            assertThat(r.raftLog.committed() > li).as("case %s", c).isEqualTo(c.committed);
        }
    }

    /** Replicates the leader's no-op to everyone and commits it. */
    static void commitNoopWithAll(Raft r) {
        r.bcastAppend();
        ackAppends(r, readMessages(r));
        readMessages(r);
    }

    /** §5.3: committing an entry also commits all preceding entries, including older terms'. */
    @Test
    void leaderCommitsPrecedingEntries() {
        for (List<Entry> prior :
                List.of(List.<Entry>of(), List.of(ent(1, 2)), List.of(ent(1, 1), ent(2, 2)), List.of(ent(1, 1)))) {
            MemoryStorage s = storageWithPeers(1, 2, 3);
            s.append(prior);
            Raft r = newTestRaft(1, 10, 1, s);
            r.becomeFollower(2, Raft.NONE);
            r.becomeCandidate();
            r.becomeLeader();
            r.step(propose(1, "some data"));
            ackAppends(r, readMessages(r));
            long li = prior.size();
            List<Entry> want = new ArrayList<>(prior);
            want.add(ent(li + 1, 3));
            want.add(ent(li + 2, 3, "some data"));
            assertThat(r.raftLog.nextEntries(Entries.NO_LIMIT))
                    .as("prior %s", prior)
                    .isEqualTo(want);
        }
    }

    /** §5.3: a follower applies entries up to the leader's commit index carried in appends. */
    @Test
    void followerFollowsLeaderCommit() {
        record Case(List<Entry> ents, long commit) {}
        List<Case> cases = List.of(
                new Case(List.of(ent(1, 1, "some data")), 1),
                new Case(List.of(ent(1, 1, "some data"), ent(2, 1, "some data2")), 2),
                new Case(List.of(ent(1, 1, "some data2"), ent(2, 1, "some data")), 2),
                new Case(List.of(ent(1, 1, "some data"), ent(2, 1, "some data2")), 1));
        for (Case c : cases) {
            Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
            r.becomeFollower(1, 2);
            r.step(msg(MessageType.MsgAppend, 2, 1)
                    .setTerm(1)
                    .setLogTerm(0)
                    .setIndex(0)
                    .addAllEntries(c.ents)
                    .setCommit(c.commit)
                    .build());
            assertThat(r.raftLog.committed()).isEqualTo(c.commit);
            assertThat(r.raftLog.nextEntries(Entries.NO_LIMIT)).isEqualTo(c.ents.subList(0, (int) c.commit));
        }
    }

    /** §5.3: a follower rejects an append whose previous entry (index, term) it does not hold. */
    @Test
    void followerChecksPreviousEntry() {
        List<Entry> ents = List.of(ent(1, 1), ent(2, 2));
        record Case(long term, long index, long wIndex, boolean wReject, long wRejectHint, long wLogTerm) {}
        List<Case> cases = List.of(
                // match with committed entries
                new Case(0, 0, 1, false, 0, 0),
                new Case(ents.get(0).getTerm(), ents.get(0).getIndex(), 1, false, 0, 0),
                // match with uncommitted entries
                new Case(ents.get(1).getTerm(), ents.get(1).getIndex(), 2, false, 0, 0),
                // unmatch with existing entry: hint the last index whose term is <= the probe's term
                new Case(
                        ents.get(0).getTerm(),
                        ents.get(1).getIndex(),
                        ents.get(1).getIndex(),
                        true,
                        1,
                        1),
                // unexisting entry: hint our last index
                new Case(
                        ents.get(1).getTerm() + 1,
                        ents.get(1).getIndex() + 1,
                        ents.get(1).getIndex() + 1,
                        true,
                        2,
                        2));
        for (Case c : cases) {
            MemoryStorage s = storageWithPeers(1, 2, 3);
            s.append(ents);
            s.setHardState(HardState.newBuilder().setCommit(1).build());
            Raft r = newTestRaft(1, 10, 1, s);
            r.becomeFollower(2, 2);
            r.step(msg(MessageType.MsgAppend, 2, 1)
                    .setTerm(2)
                    .setLogTerm(c.term)
                    .setIndex(c.index)
                    .build());
            List<Message> msgs = readMessages(r);
            assertThat(msgs).hasSize(1);
            Message m = msgs.get(0);
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgAppendResponse);
            assertThat(m.getIndex()).as("case %s", c).isEqualTo(c.wIndex);
            assertThat(m.getReject()).as("case %s", c).isEqualTo(c.wReject);
            assertThat(m.getRejectHint()).as("case %s", c).isEqualTo(c.wRejectHint);
            assertThat(m.getLogTerm()).as("case %s", c).isEqualTo(c.wLogTerm);
        }
    }

    /**
     * §5.3: on a conflict (same index, different term) the follower deletes the entry and all that
     * follow, then appends the leader's entries; entries it already has are kept.
     */
    @Test
    void followerTruncatesConflictsAndAppends() {
        record Case(long index, long term, List<Entry> ents, List<Entry> wents, List<Entry> wunstable) {}
        List<Case> cases = List.of(
                new Case(2, 2, List.of(ent(3, 3)), List.of(ent(1, 1), ent(2, 2), ent(3, 3)), List.of(ent(3, 3))),
                new Case(
                        1,
                        1,
                        List.of(ent(2, 3), ent(3, 4)),
                        List.of(ent(1, 1), ent(2, 3), ent(3, 4)),
                        List.of(ent(2, 3), ent(3, 4))),
                new Case(0, 0, List.of(ent(1, 1)), List.of(ent(1, 1), ent(2, 2)), List.of()),
                new Case(0, 0, List.of(ent(1, 3)), List.of(ent(1, 3)), List.of(ent(1, 3))));
        for (Case c : cases) {
            MemoryStorage s = storageWithPeers(1, 2, 3);
            s.append(List.of(ent(1, 1), ent(2, 2)));
            Raft r = newTestRaft(1, 10, 1, s);
            r.becomeFollower(2, 2);
            r.step(msg(MessageType.MsgAppend, 2, 1)
                    .setTerm(2)
                    .setLogTerm(c.term)
                    .setIndex(c.index)
                    .addAllEntries(c.ents)
                    .build());
            assertThat(allEntries(r)).as("case %s", c).isEqualTo(c.wents);
            assertThat(r.raftLog.unstableEntries()).as("case %s", c).isEqualTo(c.wunstable);
        }
    }

    /**
     * §5.3 figure 7: whatever the follower's log (missing entries, extra uncommitted entries, or
     * both), the leader brings it to match its own.
     */
    @Test
    void leaderRepairsFigure7FollowerLogs() {
        long[] leaderTerms = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
        long[][] followers = {
            {1, 1, 1, 4, 4, 5, 5, 6, 6}, // (a)
            {1, 1, 1, 4}, // (b)
            {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}, // (c)
            {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}, // (d)
            {1, 1, 1, 4, 4, 4, 4}, // (e)
            {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}, // (f)
        };
        for (long[] fTerms : followers) {
            MemoryStorage leadStorage = storageWithPeers(1, 2, 3);
            leadStorage.append(RaftTestUtil.entsOfTerms(leaderTerms));
            leadStorage.setHardState(HardState.newBuilder()
                    .setCommit(leaderTerms.length)
                    .setTerm(8)
                    .build());
            Raft lead = newTestRaft(1, 10, 1, leadStorage);
            MemoryStorage followStorage = storageWithPeers(1, 2, 3);
            followStorage.append(RaftTestUtil.entsOfTerms(fTerms));
            followStorage.setHardState(
                    HardState.newBuilder().setTerm(fTerms[fTerms.length - 1]).build());
            Raft follower = newTestRaft(2, 10, 1, followStorage);
            // The third node's vote elects 1 (as in the paper, some majority voted for it).
            Network n = Network.of(lead, follower, Network.BLACK_HOLE);
            n.send(hup(1));
            n.send(msg(MessageType.MsgRequestVoteResponse, 3, 1)
                    .setTerm(lead.term())
                    .build());
            n.send(propose(1, ""));
            assertThat(lead.state()).isEqualTo(StateRole.LEADER);
            assertThat(allEntries(follower))
                    .as("follower %s", java.util.Arrays.toString(fTerms))
                    .isEqualTo(allEntries(lead));
            assertThat(follower.raftLog.committed()).isEqualTo(lead.raftLog.committed());
        }
    }

    /** The same repair through a real network election in which the follower may vote. */
    @Test
    void logReplicationInNetwork() {
        Network n = Network.of(null, null, null);
        n.send(hup(1));
        n.send(propose(1, "somedata"));
        n.send(hup(2));
        n.send(propose(2, "somedata"));
        for (Raft p : n.peers.values()) {
            assertThat(p.raftLog.committed()).isEqualTo(4);
            List<Entry> committed = p.raftLog.nextEntries(Entries.NO_LIMIT);
            assertThat(committed)
                    .filteredOn(e -> !e.getData().isEmpty())
                    .extracting(Entry::getData)
                    .containsExactly(ByteString.copyFromUtf8("somedata"), ByteString.copyFromUtf8("somedata"));
        }
    }

    /** §5.3: a follower with an empty log receives everything after the leader probes back. */
    @Test
    void leaderProbesBackToEmptyFollower() {
        Network n = Network.of(null, null, null);
        n.isolate(3);
        n.send(hup(1));
        for (int i = 0; i < 5; i++) {
            n.send(propose(1, "x" + i));
        }
        n.recover();
        n.send(RaftTestUtil.beat(1));
        assertThat(allEntries(n.peer(3))).isEqualTo(allEntries(n.peer(1)));
    }

    /** A heartbeat response from a follower that lags triggers an append to it. */
    @Test
    void heartbeatResponseFromLaggingFollowerTriggersAppend() {
        Raft r = leaderOf3();
        r.step(propose(1, "a"));
        r.step(propose(1, "b"));
        readMessages(r);
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(1).build());
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgAppend);
        assertThat(msgs.get(0).getTo()).isEqualTo(2);
        // Once it caught up, heartbeat responses trigger nothing.
        ackAppends(r, msgs);
        readMessages(r);
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1).setTerm(1).build());
        assertThat(readMessages(r)).isEmpty();
    }

    /** A heartbeat carries commit = min(match, committed), and the follower adopts it. */
    @Test
    void heartbeatCarriesCommitBoundedByMatch() {
        Raft r = leaderOf3();
        RaftTestUtil.persistOwnLog(r);
        r.step(msg(MessageType.MsgAppendResponse, 2, 1).setTerm(1).setIndex(1).build());
        assertThat(r.raftLog.committed()).isEqualTo(1);
        readMessages(r);
        r.step(RaftTestUtil.beat(1));
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(2);
        assertThat(msgs.get(0).getCommit()).isEqualTo(1); // to 2: match 1
        assertThat(msgs.get(1).getCommit()).isZero(); // to 3: match 0

        MemoryStorage s = storageWithPeers(1, 2);
        s.append(List.of(ent(1, 1), ent(2, 2), ent(3, 3)));
        Raft f = newTestRaft(2, 10, 1, s);
        f.becomeFollower(2, 1);
        f.step(msg(MessageType.MsgHeartbeat, 1, 2).setTerm(2).setCommit(3).build());
        assertThat(f.raftLog.committed()).isEqualTo(3);
        f.step(msg(MessageType.MsgHeartbeat, 1, 2).setTerm(2).setCommit(1).build());
        assertThat(f.raftLog.committed()).isEqualTo(3); // never decreases
        assertThat(readMessages(f)).extracting(Message::getMsgType).containsOnly(MessageType.MsgHeartbeatResponse);
    }

    /** A stale-term append (from a deposed leader) is ignored and does not change the log. */
    @Test
    void staleTermAppendIgnored() {
        Network tt = Network.of(null, null, null);
        tt.send(hup(1));
        tt.send(hup(2));
        tt.send(hup(1)); // term 3 leader 1
        // Pretend 2 is still leader of term 2 and sends an append.
        tt.send(msg(MessageType.MsgAppend, 2, 1)
                .setTerm(2)
                .addEntries(ent(3, 2))
                .build());
        tt.send(propose(1, "somedata"));
        Raft leader = tt.peer(1);
        List<Entry> entries = allEntries(leader);
        assertThat(entries).extracting(Entry::getTerm).containsExactly(1L, 2L, 3L, 3L);
        for (Raft p : tt.peers.values()) {
            assertThat(allEntries(p)).isEqualTo(entries);
            assertThat(p.raftLog.committed()).isEqualTo(4);
        }
    }

    /** Proposals with no leader are dropped with a clear error; with a leader they are forwarded. */
    @Test
    void proposalWithoutLeaderDroppedAndByProxyForwarded() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        assertThatThrownBy(() -> r.step(propose(1, "x")))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("no leader");
        r.becomeCandidate();
        assertThatThrownBy(() -> r.step(propose(1, "x")))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("no leader");

        Network n = Network.of(null, null, null);
        n.send(hup(1));
        n.send(propose(2, "proxied"));
        for (Raft p : n.peers.values()) {
            assertThat(p.raftLog.committed()).isEqualTo(2);
            assertThat(allEntries(p)).last().isEqualTo(ent(2, 1, "proxied"));
        }
    }

    /** Entries are batched per append up to the byte limit; one entry always goes. */
    @Test
    void appendsBatchedBySizeLimit() {
        Entry sample = ent(2, 1, "0123456789");
        long maxSize = 3L * sample.getSerializedSize();
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2), b -> b.maxSizePerMsgBytes(maxSize));
        r.becomeCandidate();
        r.becomeLeader();
        readMessages(r);
        for (int i = 0; i < 10; i++) {
            r.appendEntry(List.of(Entry.newBuilder()
                    .setData(ByteString.copyFromUtf8("0123456789"))
                    .build()));
        }
        // Probe state: find the match first.
        r.step(msg(MessageType.MsgAppendResponse, 2, 1).setTerm(1).setIndex(0).build());
        r.prs.get(2).becomeReplicate();
        readMessages(r);
        r.sendAppend(2);
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        long bytes = msgs.get(0).getEntriesList().stream()
                .mapToLong(Entry::getSerializedSize)
                .sum();
        assertThat(msgs.get(0).getEntriesCount()).isBetween(1, 3);
        assertThat(bytes).isLessThanOrEqualTo(maxSize);

        Raft tiny = newTestRaft(1, 10, 1, storageWithPeers(1, 2), b -> b.maxSizePerMsgBytes(1));
        tiny.becomeCandidate();
        tiny.becomeLeader();
        tiny.appendEntry(List.of(sample.toBuilder().clearIndex().clearTerm().build()));
        readMessages(tiny);
        tiny.prs.get(2).setMatchAndNext(0, 1);
        tiny.sendAppend(2);
        assertThat(readMessages(tiny).get(0).getEntriesCount()).isEqualTo(1);
    }

    /**
     * Fast back-off: a rejecting follower hints the last index whose term is at most the probe's
     * term, and the leader skips whole terms instead of decrementing one index at a time.
     */
    @Test
    void fastLogRejectionBackOff() {
        record Case(
                long[] leaderTerms,
                long[] followerTerms,
                long rejectHintTerm,
                long rejectHintIndex,
                long nextAppendTerm,
                long nextAppendIndex) {}
        List<Case> cases = List.of(
                // The follower has a longer suffix of term 2: leader (1,2,2,4,4,4) vs follower (1,2,2,2,2,2,...).
                new Case(new long[] {1, 1, 2, 4, 4, 4}, new long[] {1, 1, 2, 3, 3, 3, 3, 3, 3}, 3, 6, 2, 3),
                // The follower's log is shorter.
                new Case(new long[] {1, 1, 1, 1, 2, 2}, new long[] {1, 1, 1}, 1, 3, 1, 3),
                // Leader terms higher than follower's: hint goes back to the follower's term.
                new Case(new long[] {1, 2, 2, 3, 3, 3, 3}, new long[] {1, 2, 2, 2, 2, 2}, 2, 6, 2, 3),
                // Follower terms higher: the leader skips to its last entry of a term <= the hinted one.
                new Case(new long[] {1, 2, 2, 2, 4, 4, 4}, new long[] {1, 3, 3, 3, 3, 3, 3}, 3, 7, 2, 4));
        for (Case c : cases) {
            MemoryStorage s1 = storageWithPeers(1, 2, 3);
            s1.append(RaftTestUtil.entsOfTerms(c.leaderTerms));
            Raft n1 = newTestRaft(1, 10, 1, s1);
            n1.becomeFollower(c.leaderTerms[c.leaderTerms.length - 1] + 1, Raft.NONE);
            n1.becomeCandidate();
            n1.becomeLeader();
            readMessages(n1);
            MemoryStorage s2 = storageWithPeers(1, 2, 3);
            s2.append(RaftTestUtil.entsOfTerms(c.followerTerms));
            Raft n2 = newTestRaft(2, 10, 1, s2);
            n2.becomeFollower(n1.term(), 1);
            // The leader probes at its last index (before the no-op) — emulate the usual probe.
            n1.prs.get(2).setMatchAndNext(0, n1.raftLog.lastIndex());
            n1.sendAppend(2);
            Message probe = readMessages(n1).get(0);
            n2.step(probe);
            List<Message> resp = readMessages(n2);
            assertThat(resp).hasSize(1);
            Message reject = resp.get(0);
            assertThat(reject.getReject()).isTrue();
            assertThat(reject.getLogTerm()).as("hint term").isEqualTo(c.rejectHintTerm);
            assertThat(reject.getRejectHint()).as("hint index").isEqualTo(c.rejectHintIndex);
            n1.step(reject);
            List<Message> next = readMessages(n1);
            assertThat(next).hasSize(1);
            assertThat(next.get(0).getLogTerm()).as("next probe term").isEqualTo(c.nextAppendTerm);
            assertThat(next.get(0).getIndex()).as("next probe index").isEqualTo(c.nextAppendIndex);
        }
    }

    /** A duplicated or reordered (stale) rejection does not move the probe backwards. */
    @Test
    void staleRejectionIgnored() {
        Raft r = leaderOf3();
        readMessages(r);
        Progress pr = r.prs.get(2);
        pr.setMatchAndNext(0, 2);
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(1)
                .setIndex(5)
                .setReject(true)
                .setRejectHint(0)
                .build());
        assertThat(pr.next()).isEqualTo(2);
        assertThat(readMessages(r)).isEmpty();
    }

    /** Proposals beyond the uncommitted-bytes limit are dropped; committing frees the budget. */
    @Test
    void uncommittedEntryLimit() {
        int maxEntries = 16;
        ByteString data = ByteString.copyFromUtf8("testdata");
        long maxSize = (long) maxEntries * data.size();
        MemoryStorage s = storageWithPeers(1, 2, 3);
        RawNode rn = new RawNode(
                RaftConfig.builder(1).maxUncommittedEntriesBytes(maxSize).build(), s, new java.util.Random(1));
        Raft r = rn.raft();
        rn.campaign();
        r.step(msg(MessageType.MsgRequestVoteResponse, 2, 1).setTerm(r.term()).build());
        assertThat(r.state()).isEqualTo(StateRole.LEADER);
        for (int i = 0; i < maxEntries; i++) {
            rn.propose(data);
        }
        assertThatThrownBy(() -> rn.propose(data))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("uncommitted");
        assertThat(r.uncommittedSize).isEqualTo(maxSize);
        // Replicate, commit and apply everything: the budget is released.
        RaftTestUtil.persistOwnLog(r);
        r.step(msg(MessageType.MsgAppendResponse, 2, 1)
                .setTerm(r.term())
                .setIndex(r.raftLog.lastIndex())
                .build());
        Ready rd = rn.ready();
        s.append(rd.entries());
        assertThat(rd.committedEntries()).hasSize(maxEntries + 1);
        rn.advance(rd);
        assertThat(r.uncommittedSize).isZero();
        rn.propose(data);
        // A single large entry is accepted when nothing is uncommitted, so it cannot block forever.
        Raft big = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), b -> b.maxUncommittedEntriesBytes(4));
        big.becomeCandidate();
        big.becomeLeader();
        big.step(propose(1, "much larger than four bytes"));
        assertThatThrownBy(() -> big.step(propose(1, "x"))).isInstanceOf(ProposalDroppedException.class);
    }
}
