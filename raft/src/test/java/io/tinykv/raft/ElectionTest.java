package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.ent;
import static io.tinykv.raft.RaftTestUtil.entsWithConfig;
import static io.tinykv.raft.RaftTestUtil.hup;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static io.tinykv.raft.RaftTestUtil.tickN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Leader election, Raft paper §5.1, §5.2 and the vote restriction of §5.4.1. */
class ElectionTest {

    /** §5.1: a higher term seen in any message turns a follower into a follower of that term. */
    @Test
    void followerUpdatesTermFromMessage() {
        checkUpdateTermFromMessage(StateRole.FOLLOWER);
    }

    /** §5.1: a candidate seeing a higher term reverts to follower. */
    @Test
    void candidateUpdatesTermFromMessage() {
        checkUpdateTermFromMessage(StateRole.CANDIDATE);
    }

    /** §5.1: a leader seeing a higher term reverts to follower. */
    @Test
    void leaderUpdatesTermFromMessage() {
        checkUpdateTermFromMessage(StateRole.LEADER);
    }

    private void checkUpdateTermFromMessage(StateRole role) {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        switch (role) {
            case FOLLOWER -> r.becomeFollower(1, 2);
            case CANDIDATE -> r.becomeCandidate();
            case LEADER -> {
                r.becomeCandidate();
                r.becomeLeader();
            }
            default -> throw new IllegalArgumentException();
        }
        r.step(msg(MessageType.MsgAppend, 2, 1).setTerm(2).build());
        assertThat(r.term()).isEqualTo(2);
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(r.lead()).isEqualTo(2);
    }

    /** §5.1: a message from a stale term is ignored. */
    @Test
    void rejectsStaleTermMessage() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeFollower(2, Raft.NONE);
        r.step(msg(MessageType.MsgAppend, 2, 1).setTerm(1).build());
        assertThat(r.term()).isEqualTo(2);
        assertThat(r.lead()).isEqualTo(Raft.NONE);
        assertThat(readMessages(r)).isEmpty();
    }

    /** §5.2: nodes start as followers. */
    @Test
    void startsAsFollower() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
    }

    /** §5.2: a leader sends heartbeats, carrying no entries, to every other node. */
    @Test
    void leaderBroadcastsHeartbeatsWithoutEntries() {
        int hi = 1;
        Raft r = newTestRaft(1, 10, hi, storageWithPeers(1, 2, 3));
        r.becomeCandidate();
        r.becomeLeader();
        for (int i = 0; i < 10; i++) {
            r.appendEntry(List.of(Entry.newBuilder().setIndex(i + 1).build()));
        }
        readMessages(r);
        tickN(r, hi);
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(2);
        assertThat(msgs).extracting(Message::getTo).containsExactly(2L, 3L);
        for (Message m : msgs) {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgHeartbeat);
            assertThat(m.getTerm()).isEqualTo(1);
            assertThat(m.getEntriesCount()).isZero();
        }
    }

    /** Followers and candidates never send heartbeats, only leaders do. */
    @Test
    void onlyLeaderSendsHeartbeats() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.step(beat(1));
        assertThat(readMessages(r)).isEmpty();
        r.becomeCandidate();
        readMessages(r);
        r.step(beat(1));
        assertThat(readMessages(r)).isEmpty();
    }

    private static Message beat(long id) {
        return RaftTestUtil.beat(id);
    }

    /** §5.2: a follower whose election timer fires starts an election: term + 1, self-vote, votes asked. */
    @Test
    void followerStartsElectionOnTimeout() {
        checkNonleaderStartsElection(StateRole.FOLLOWER);
    }

    /** §5.2: a candidate that times out starts a new election in the next term. */
    @Test
    void candidateStartsNewElectionOnTimeout() {
        checkNonleaderStartsElection(StateRole.CANDIDATE);
    }

    private void checkNonleaderStartsElection(StateRole role) {
        int et = 10;
        Raft r = newTestRaft(1, et, 1, storageWithPeers(1, 2, 3));
        if (role == StateRole.FOLLOWER) {
            r.becomeFollower(1, 2);
        } else {
            r.becomeCandidate();
        }
        tickN(r, 2 * et);
        assertThat(r.term()).isEqualTo(2);
        assertThat(r.state()).isEqualTo(StateRole.CANDIDATE);
        assertThat(r.prs.grantedVotes()).isEqualTo(1);
        assertThat(r.vote()).isEqualTo(1);
        List<Message> msgs = readMessages(r);
        assertThat(msgs).extracting(Message::getTo).containsExactly(2L, 3L);
        for (Message m : msgs) {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgRequestVote);
            assertThat(m.getTerm()).isEqualTo(2);
        }
    }

    /** §5.2: a candidate wins with a majority, loses with a majority against, else keeps waiting. */
    @Test
    void leaderElectionInOneRound() {
        record Case(int size, Map<Long, Boolean> votes, StateRole expected) {}
        List<Case> cases = List.of(
                new Case(1, Map.of(), StateRole.LEADER),
                new Case(3, Map.of(2L, true, 3L, true), StateRole.LEADER),
                new Case(3, Map.of(2L, true), StateRole.LEADER),
                new Case(5, Map.of(2L, true, 3L, true, 4L, true, 5L, true), StateRole.LEADER),
                new Case(5, Map.of(2L, true, 3L, true, 4L, true), StateRole.LEADER),
                new Case(5, Map.of(2L, true, 3L, true), StateRole.LEADER),
                new Case(3, Map.of(2L, false, 3L, false), StateRole.FOLLOWER),
                new Case(5, Map.of(2L, false, 3L, false, 4L, false, 5L, false), StateRole.FOLLOWER),
                new Case(5, Map.of(2L, true, 3L, false, 4L, false, 5L, false), StateRole.FOLLOWER),
                new Case(3, Map.of(), StateRole.CANDIDATE),
                new Case(5, Map.of(2L, true), StateRole.CANDIDATE),
                new Case(5, Map.of(2L, false, 3L, false), StateRole.CANDIDATE),
                new Case(5, Map.of(), StateRole.CANDIDATE));
        for (Case c : cases) {
            Raft r = newTestRaft(1, 10, 1, storageWithPeers(RaftTestUtil.ids(c.size)));
            r.step(hup(1));
            c.votes.forEach((id, granted) -> r.step(msg(MessageType.MsgRequestVoteResponse, id, 1)
                    .setTerm(r.term())
                    .setReject(!granted)
                    .build()));
            assertThat(r.state()).as("case %s", c).isEqualTo(c.expected);
            assertThat(r.term()).as("case %s", c).isEqualTo(1);
        }
    }

    /** §5.2: each node votes for at most one candidate per term, first come first served. */
    @Test
    void followerVotesFirstComeFirstServed() {
        record Case(long vote, long nvote, boolean reject) {}
        List<Case> cases = List.of(
                new Case(Raft.NONE, 1, false),
                new Case(Raft.NONE, 2, false),
                new Case(1, 1, false),
                new Case(2, 2, false),
                new Case(1, 2, true),
                new Case(2, 1, true));
        for (Case c : cases) {
            MemoryStorage s = storageWithPeers(1, 2, 3);
            s.setHardState(io.tinykv.proto.Eraftpb.HardState.newBuilder()
                    .setTerm(1)
                    .setVote(c.vote)
                    .build());
            Raft r = newTestRaft(1, 10, 1, s);
            r.step(msg(MessageType.MsgRequestVote, c.nvote, 1).setTerm(1).build());
            List<Message> msgs = readMessages(r);
            assertThat(msgs).as("case %s", c).hasSize(1);
            Message m = msgs.get(0);
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgRequestVoteResponse);
            assertThat(m.getTo()).isEqualTo(c.nvote);
            assertThat(m.getTerm()).isEqualTo(1);
            assertThat(m.getReject()).as("case %s", c).isEqualTo(c.reject);
        }
    }

    /** §5.2: a candidate receiving an append from a leader of its term becomes its follower. */
    @Test
    void candidateFallsBackOnLeaderAppend() {
        for (long term : new long[] {1, 2}) {
            Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
            r.step(hup(1));
            assertThat(r.state()).isEqualTo(StateRole.CANDIDATE);
            r.step(msg(MessageType.MsgAppend, 2, 1).setTerm(term).build());
            assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
            assertThat(r.term()).isEqualTo(term);
            assertThat(r.lead()).isEqualTo(2);
        }
    }

    /** §5.2: election timeouts are drawn from [et, 2et) and cover the whole range. */
    @Test
    void followerElectionTimeoutRandomized() {
        checkElectionTimeoutRandomized(StateRole.FOLLOWER);
    }

    /** §5.2: a candidate's election timeout is randomized the same way. */
    @Test
    void candidateElectionTimeoutRandomized() {
        checkElectionTimeoutRandomized(StateRole.CANDIDATE);
    }

    private void checkElectionTimeoutRandomized(StateRole role) {
        int et = 10;
        Raft r = newTestRaft(1, et, 1, storageWithPeers(1, 2, 3));
        Set<Integer> timeouts = new HashSet<>();
        for (int round = 0; round < 50 * et; round++) {
            long term = r.term();
            if (role == StateRole.FOLLOWER) {
                r.becomeFollower(term + 1, 2);
            } else {
                r.becomeCandidate();
            }
            int time = 0;
            while (readMessages(r).isEmpty()) {
                r.tick();
                time++;
            }
            timeouts.add(time);
        }
        for (int d = et; d < 2 * et; d++) {
            assertThat(timeouts).as("timeout %d never drawn", d).contains(d);
        }
        assertThat(timeouts).allMatch(t -> t >= et && t < 2 * et);
    }

    /** §5.2: two followers rarely time out together (at most 30% of rounds). */
    @Test
    void followersElectionTimeoutsRarelyConflict() {
        checkElectionTimeoutsNonconflict(StateRole.FOLLOWER);
    }

    /** §5.2: two candidates rarely time out together (at most 30% of rounds). */
    @Test
    void candidatesElectionTimeoutsRarelyConflict() {
        checkElectionTimeoutsNonconflict(StateRole.CANDIDATE);
    }

    private void checkElectionTimeoutsNonconflict(StateRole role) {
        int et = 10;
        int size = 5;
        Raft[] rs = new Raft[size];
        long[] ids = RaftTestUtil.ids(size);
        for (int k = 0; k < size; k++) {
            rs[k] = newTestRaft(ids[k], et, 1, storageWithPeers(ids));
        }
        int conflicts = 0;
        int rounds = 1000;
        for (int round = 0; round < rounds; round++) {
            for (Raft r : rs) {
                if (role == StateRole.FOLLOWER) {
                    r.becomeFollower(r.term() + 1, Raft.NONE);
                } else {
                    r.becomeCandidate();
                }
            }
            int timedOut = 0;
            while (timedOut == 0) {
                for (Raft r : rs) {
                    r.tick();
                    if (!readMessages(r).isEmpty()) {
                        timedOut++;
                    }
                }
            }
            if (timedOut > 1) {
                conflicts++;
            }
        }
        assertThat((double) conflicts / rounds).isLessThanOrEqualTo(0.3);
    }

    /** §5.2 with partitions: who wins (or keeps campaigning) depending on reachable voters. */
    @Test
    void leaderElectionInNetwork() {
        record Case(Network nw, StateRole state, long term) {}
        List<Case> cases = List.of(
                new Case(Network.of(null, null, null), StateRole.LEADER, 1),
                new Case(Network.of(null, null, Network.BLACK_HOLE), StateRole.LEADER, 1),
                new Case(Network.of(null, Network.BLACK_HOLE, Network.BLACK_HOLE), StateRole.CANDIDATE, 1),
                new Case(Network.of(null, Network.BLACK_HOLE, Network.BLACK_HOLE, null), StateRole.CANDIDATE, 1),
                new Case(Network.of(null, Network.BLACK_HOLE, Network.BLACK_HOLE, null, null), StateRole.LEADER, 1),
                // Three logs further ahead than 1's: 1 loses and follows.
                new Case(
                        Network.of(
                                null,
                                entsWithConfig(2, b -> {}, 1),
                                entsWithConfig(3, b -> {}, 1),
                                entsWithConfig(4, b -> {}, 1, 1),
                                null),
                        StateRole.FOLLOWER,
                        1));
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            c.nw.send(hup(1));
            Raft sm = c.nw.peer(1);
            assertThat(sm.state()).as("case %d", i).isEqualTo(c.state);
            assertThat(sm.term()).as("case %d", i).isEqualTo(c.term);
        }
    }

    /** Each node can be elected in turn, and every other node follows it. */
    @Test
    void leaderCycle() {
        Network n = Network.of(null, null, null);
        for (long campaigner = 1; campaigner <= 3; campaigner++) {
            n.send(hup(campaigner));
            for (Raft sm : n.peers.values()) {
                if (sm.id == campaigner) {
                    assertThat(sm.state()).isEqualTo(StateRole.LEADER);
                } else {
                    assertThat(sm.state()).isEqualTo(StateRole.FOLLOWER);
                }
            }
        }
    }

    /** §5.4.1: a vote is granted only to a candidate whose log is at least as up-to-date. */
    @Test
    void voteRequiresUpToDateLog() {
        record Case(List<Entry> ents, long logTerm, long index, boolean reject) {}
        List<Case> cases = List.of(
                // same logterm
                new Case(List.of(ent(1, 1)), 1, 1, false),
                new Case(List.of(ent(1, 1)), 1, 2, false),
                new Case(List.of(ent(1, 1), ent(2, 1)), 1, 1, true),
                // candidate higher logterm
                new Case(List.of(ent(1, 1)), 2, 1, false),
                new Case(List.of(ent(1, 1)), 2, 2, false),
                new Case(List.of(ent(1, 1), ent(2, 1)), 2, 1, false),
                // voter higher logterm
                new Case(List.of(ent(1, 2)), 1, 1, true),
                new Case(List.of(ent(1, 2)), 1, 2, true),
                new Case(List.of(ent(1, 2), ent(2, 1)), 1, 1, true));
        for (Case c : cases) {
            MemoryStorage s = storageWithPeers(1, 2);
            s.append(c.ents);
            Raft r = newTestRaft(1, 10, 1, s);
            r.step(msg(MessageType.MsgRequestVote, 2, 1)
                    .setTerm(3)
                    .setLogTerm(c.logTerm)
                    .setIndex(c.index)
                    .build());
            List<Message> msgs = readMessages(r);
            assertThat(msgs).hasSize(1);
            assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgRequestVoteResponse);
            assertThat(msgs.get(0).getReject()).as("case %s", c).isEqualTo(c.reject);
        }
    }

    /** §5.4.1 from every role: vote only for up-to-date candidates, never twice, never when lease holds. */
    @Test
    void receiveVoteRequestInEveryRole() {
        for (StateRole role : new StateRole[] {StateRole.FOLLOWER, StateRole.CANDIDATE, StateRole.LEADER}) {
            // Our log: index 2, term 2. Request at a higher term.
            for (long[] idxTerm : new long[][] {{1, 1}, {2, 2}, {3, 2}, {1, 3}, {3, 3}}) {
                MemoryStorage s = storageWithPeers(1, 2, 3);
                s.append(List.of(ent(1, 2), ent(2, 2)));
                Raft r = newTestRaft(1, 10, 1, s);
                r.becomeFollower(1, Raft.NONE);
                switch (role) {
                    case CANDIDATE -> r.becomeCandidate();
                    case LEADER -> {
                        r.becomeCandidate();
                        r.becomeLeader();
                    }
                    default -> {}
                }
                readMessages(r);
                r.step(msg(MessageType.MsgRequestVote, 2, 1)
                        .setTerm(5)
                        .setIndex(idxTerm[0])
                        .setLogTerm(idxTerm[1])
                        .build());
                boolean upToDate = idxTerm[1] > 2 || (idxTerm[1] == 2 && idxTerm[0] >= lastIndexOf(r));
                List<Message> msgs = readMessages(r);
                assertThat(msgs).hasSize(1);
                assertThat(msgs.get(0).getReject())
                        .as("%s %s", role, List.of(idxTerm[0], idxTerm[1]))
                        .isEqualTo(!upToDate);
                assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
                assertThat(r.term()).isEqualTo(5);
            }
        }
    }

    private static long lastIndexOf(Raft r) {
        return r.raftLog.lastIndex();
    }

    /** A single-voter group elects itself at once. */
    @Test
    void singleNodeBecomesLeader() {
        Network n = Network.of((Object) null);
        n.send(hup(1));
        assertThat(n.peer(1).state()).isEqualTo(StateRole.LEADER);
    }

    /** Split votes resolve: two candidates at once, the one with the longer log wins later. */
    @Test
    void duelingCandidatesResolve() {
        Network nt = Network.of(null, null, null);
        nt.cut(1, 3);
        nt.send(hup(1));
        nt.send(hup(3));
        // 1 becomes leader since it receives votes from 1 and 2.
        assertThat(nt.peer(1).state()).isEqualTo(StateRole.LEADER);
        // 3 stays candidate since it receives only its own vote (2 already voted for 1).
        assertThat(nt.peer(3).state()).isEqualTo(StateRole.CANDIDATE);
        nt.recover();
        // 3 campaigns again at term 2; 1 and 2 reject (their logs have 1's no-op), 1 steps down.
        nt.send(hup(3));
        assertThat(nt.peer(1).state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(nt.peer(2).state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(nt.peer(3).state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(nt.peer(3).term()).isEqualTo(2);
        assertThat(nt.peer(1).raftLog.lastIndex()).isEqualTo(1);
        assertThat(nt.peer(3).raftLog.lastIndex()).isEqualTo(0);
        // And the split resolves: the next election elects a node with the longer log.
        nt.send(hup(1));
        assertThat(nt.peer(1).state()).isEqualTo(StateRole.LEADER);
        assertThat(nt.peer(3).raftLog.lastIndex()).isEqualTo(nt.peer(1).raftLog.lastIndex());
    }

    /** A candidate that loses the race concedes to the winner's append and catches up. */
    @Test
    void candidateConcedes() {
        Network tt = Network.of(null, null, null);
        tt.isolate(1);
        tt.send(hup(1));
        tt.send(hup(3));
        tt.recover();
        tt.send(beat(3)); // heal: the leader's heartbeat reaches the old candidate
        tt.send(RaftTestUtil.propose(3, "force follower"));
        tt.send(beat(3));
        assertThat(tt.peer(1).state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(tt.peer(1).term()).isEqualTo(1);
        for (Raft p : tt.peers.values()) {
            assertThat(p.raftLog.committed()).isEqualTo(2);
            assertThat(RaftTestUtil.allEntries(p)).hasSize(2);
        }
    }

    /** A leader receiving a campaign request (MsgHup) stays leader in the same term. */
    @Test
    void leaderStaysLeaderOnHup() {
        Network n = Network.of(null, null, null);
        n.send(hup(1));
        assertThat(n.peer(1).state()).isEqualTo(StateRole.LEADER);
        long term = n.peer(1).term();
        n.send(hup(1));
        assertThat(n.peer(1).state()).isEqualTo(StateRole.LEADER);
        assertThat(n.peer(1).term()).isEqualTo(term);
    }

    /** A newly elected leader appends an empty entry of its term (§5.4.2, §8). */
    @Test
    void newLeaderAppendsNoOp() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeCandidate();
        r.becomeLeader();
        List<Entry> ents = RaftTestUtil.allEntries(r);
        assertThat(ents).hasSize(1);
        assertThat(ents.get(0).getTerm()).isEqualTo(1);
        assertThat(ents.get(0).getData().isEmpty()).isTrue();
    }

    /** Illegal role transitions are refused. */
    @Test
    void illegalTransitionsRefused() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2));
        assertThatThrownBy(r::becomeLeader).isInstanceOf(IllegalStateException.class);
        r.becomeCandidate();
        r.becomeLeader();
        assertThatThrownBy(r::becomeCandidate).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(r::becomePreCandidate).isInstanceOf(IllegalStateException.class);
    }

    /** A node removed from (or never in) the configuration never campaigns. */
    @Test
    void nodeNotInConfigDoesNotCampaign() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(2, 3));
        tickN(r, 100);
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(r.term()).isZero();
        r.step(hup(1));
        assertThat(r.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(readMessages(r)).isEmpty();
    }

    /** Vote responses count once per voter, so a duplicate grant cannot fake a majority. */
    @Test
    void duplicateVoteCountsOnce() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3, 4, 5));
        r.step(hup(1));
        r.step(msg(MessageType.MsgRequestVoteResponse, 2, 1).setTerm(1).build());
        r.step(msg(MessageType.MsgRequestVoteResponse, 2, 1).setTerm(1).build());
        assertThat(r.state()).isEqualTo(StateRole.CANDIDATE);
        r.step(msg(MessageType.MsgRequestVoteResponse, 3, 1).setTerm(1).build());
        assertThat(r.state()).isEqualTo(StateRole.LEADER);
    }

    /** A granted vote resets the voter's election timer (it heard from a viable candidate). */
    @Test
    void grantingVoteResetsElectionTimer() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        tickN(r, 5);
        r.step(msg(MessageType.MsgRequestVote, 2, 1).setTerm(1).build());
        assertThat(r.vote()).isEqualTo(2);
        assertThat(r.electionElapsed).isZero();
    }

    /**
     * §5.4.1/§5.3: uncommitted entries of a newer term on a minority can be overwritten. Node 1 (log
     * [term 1]) is elected in term 3 by nodes 4 and 5 (empty logs) although nodes 2 and 3 hold an
     * uncommitted entry of term 2 at index 1; the new leader replaces it.
     */
    @Test
    void electionOverwritesNewerButStaleLogs() {
        java.util.function.Consumer<RaftConfig.Builder> cfg = b -> {};
        Raft n1 = RaftTestUtil.entsWithConfig(1, cfg, 1);
        Raft n2 = RaftTestUtil.entsWithConfig(2, cfg, 2);
        Raft n3 = RaftTestUtil.entsWithConfig(3, cfg, 2);
        Raft n4 = RaftTestUtil.votedWithConfig(4, cfg, 3, 2);
        Raft n5 = RaftTestUtil.votedWithConfig(5, cfg, 3, 2);
        Network n = Network.of(n1, n2, n3, n4, n5);
        // In term 2 nodes 4 and 5 already voted (for 3) and 2, 3 have newer logs: node 1 loses.
        n.send(hup(1));
        assertThat(n1.state()).isEqualTo(StateRole.FOLLOWER);
        assertThat(n1.term()).isEqualTo(2);
        n.send(hup(1));
        assertThat(n1.state()).isEqualTo(StateRole.LEADER);
        assertThat(n1.term()).isEqualTo(3);
        for (Raft r : n.peers.values()) {
            List<Entry> ents = RaftTestUtil.allEntries(r);
            assertThat(ents).extracting(Entry::getTerm).as("node %d", r.id).containsExactly(1L, 3L);
        }
    }
}
