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

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Linearizable reads without log writes: ReadIndex (Raft thesis §6.4), safe and lease-based. */
class ReadIndexTest {

    static Message readIndex(long id, String ctx) {
        return Message.newBuilder()
                .setMsgType(MessageType.MsgReadIndex)
                .setFrom(id)
                .setTo(id)
                .addEntries(Entry.newBuilder().setData(ByteString.copyFromUtf8(ctx)))
                .build();
    }

    private static Network threeNodes(Consumer<RaftConfig.Builder> cfg) {
        Raft a = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), cfg);
        Raft b = newTestRaft(2, 10, 1, storageWithPeers(1, 2, 3), cfg);
        Raft c = newTestRaft(3, 10, 1, storageWithPeers(1, 2, 3), cfg);
        Network nt = Network.of(a, b, c);
        // Let b's lease expire so that a check-quorum configuration can still elect 1.
        b.setRandomizedElectionTimeoutForTest(b.config.electionTicks() + 1);
        tickN(b, b.config.electionTicks());
        readMessages(b);
        nt.send(hup(1));
        assertThat(a.state()).isEqualTo(StateRole.LEADER);
        return nt;
    }

    private void checkReadsAtEveryNode(Network nt) {
        long[] order = {1, 2, 3, 1, 2, 3};
        for (int i = 0; i < order.length; i++) {
            for (int j = 0; j < 10; j++) {
                nt.send(propose(1, "p"));
            }
            Raft r = nt.peer(order[i]);
            String ctx = "ctx" + (i + 1);
            nt.send(readIndex(r.id, ctx));
            assertThat(r.readStates).as("read %d at node %d", i, r.id).hasSize(1);
            ReadState rs = r.readStates.get(0);
            // The leader's commit index at the time of the request: the no-op plus every proposal.
            assertThat(rs.index()).isEqualTo(11L + 10L * i);
            assertThat(rs.requestCtx()).isEqualTo(ByteString.copyFromUtf8(ctx));
            r.readStates.clear();
        }
    }

    /** SAFE: the read index is the leader's commit index, confirmed by a heartbeat quorum; at any node. */
    @Test
    void safeReadIndexAtEveryNode() {
        checkReadsAtEveryNode(threeNodes(b -> {}));
    }

    /** SAFE: the leader broadcasts heartbeats carrying the request context and answers on a quorum of acks. */
    @Test
    void safeReadIndexWaitsForHeartbeatQuorum() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeCandidate();
        r.becomeLeader();
        ReplicationTest.commitNoopWithAll(r);
        r.step(readIndex(1, "ctx"));
        assertThat(r.readStates).isEmpty();
        List<Message> hbs = readMessages(r);
        assertThat(hbs).hasSize(2).allSatisfy(m -> {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgHeartbeat);
            assertThat(m.getContext().toStringUtf8()).isEqualTo("ctx");
        });
        r.step(msg(MessageType.MsgHeartbeatResponse, 2, 1)
                .setTerm(1)
                .setContext(ByteString.copyFromUtf8("ctx"))
                .build());
        assertThat(r.readStates).containsExactly(new ReadState(1, ByteString.copyFromUtf8("ctx")));
    }

    /** SAFE: an isolated leader cannot confirm its leadership, so it never answers the read. */
    @Test
    void safeReadIndexNotServedByIsolatedLeader() {
        Network nt = threeNodes(b -> {});
        nt.isolate(1);
        nt.send(readIndex(1, "stale?"));
        assertThat(nt.peer(1).readStates).isEmpty();
    }

    /** SAFE: one quorum ack for a later request also confirms every earlier pending request. */
    @Test
    void laterAckReleasesEarlierRequests() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeCandidate();
        r.becomeLeader();
        ReplicationTest.commitNoopWithAll(r);
        r.step(readIndex(1, "a"));
        r.step(readIndex(1, "b"));
        readMessages(r);
        r.step(msg(MessageType.MsgHeartbeatResponse, 3, 1)
                .setTerm(1)
                .setContext(ByteString.copyFromUtf8("b"))
                .build());
        assertThat(r.readStates)
                .extracting(ReadState::requestCtx)
                .containsExactly(ByteString.copyFromUtf8("a"), ByteString.copyFromUtf8("b"));
        assertThat(r.readOnly.pendingCount()).isZero();
    }

    /** LEASE_BASED (with check-quorum): the leader answers at once, without a heartbeat round. */
    @Test
    void leaseBasedReadIndexAtEveryNode() {
        Network nt = threeNodes(b -> b.checkQuorum(true).readOnlyOption(ReadOnlyOption.LEASE_BASED));
        checkReadsAtEveryNode(nt);
        int before = nt.delivered.size();
        nt.send(readIndex(1, "lease"));
        assertThat(nt.delivered.subList(before, nt.delivered.size()))
                .noneMatch(m -> m.getMsgType() == MessageType.MsgHeartbeat);
        assertThat(nt.peer(1).readStates).hasSize(1);
    }

    /** A lease-based read is never answered past the lease: a leader without quorum steps down first. */
    @Test
    void leaseBasedReadNotServedPastLease() {
        Network nt = threeNodes(b -> b.checkQuorum(true).readOnlyOption(ReadOnlyOption.LEASE_BASED));
        Raft lead = nt.peer(1);
        nt.isolate(1);
        // Two check-quorum rounds without hearing from anybody: the leader steps down.
        tickN(lead, 2 * lead.config.electionTicks());
        assertThat(lead.state()).isEqualTo(StateRole.FOLLOWER);
        assertThatThrownBy(() -> lead.step(readIndex(1, "late")))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("no leader");
        assertThat(lead.readStates).isEmpty();
    }

    /** Lease-based reads require check-quorum: the configuration is refused otherwise. */
    @Test
    void leaseBasedRequiresCheckQuorum() {
        assertThatThrownBy(() -> RaftConfig.builder(1)
                        .readOnlyOption(ReadOnlyOption.LEASE_BASED)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("checkQuorum");
    }

    /**
     * A new leader does not know the latest commit index until it commits an entry of its term: reads
     * wait for its no-op to commit, then are answered.
     */
    @Test
    void newLeaderDefersReadsUntilItsNoOpCommits() {
        Network nt = Network.of(null, null, null);
        nt.ignore(MessageType.MsgAppend);
        nt.send(hup(1));
        Raft lead = nt.peer(1);
        assertThat(lead.state()).isEqualTo(StateRole.LEADER);
        assertThat(lead.raftLog.committed()).isZero();
        nt.send(readIndex(1, "ctx"));
        assertThat(lead.readStates).isEmpty();
        assertThat(lead.pendingReadIndexMessages).hasSize(1);
        nt.recover();
        // The no-op commits once followers receive it; then the read is confirmed and answered.
        nt.send(RaftTestUtil.beat(1));
        assertThat(lead.raftLog.committed()).isEqualTo(1);
        assertThat(lead.readStates).containsExactly(new ReadState(1, ByteString.copyFromUtf8("ctx")));
    }

    /** A single voter answers reads immediately: it is its own quorum. */
    @Test
    void singleVoterAnswersImmediately() {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1));
        r.step(hup(1));
        RaftTestUtil.persistOwnLog(r);
        r.step(readIndex(1, "solo"));
        assertThat(r.readStates).containsExactly(new ReadState(1, ByteString.copyFromUtf8("solo")));
    }

    /** A follower without a known leader refuses a read with a clear error; with one it forwards. */
    @Test
    void followerForwardsOrRefuses() {
        Raft r = newTestRaft(2, 10, 1, storageWithPeers(1, 2, 3));
        assertThatThrownBy(() -> r.step(readIndex(2, "x")))
                .isInstanceOf(ProposalDroppedException.class)
                .hasMessageContaining("no leader");
        r.becomeFollower(1, 1);
        r.step(readIndex(2, "x"));
        List<Message> msgs = readMessages(r);
        assertThat(msgs).hasSize(1);
        assertThat(msgs.get(0).getMsgType()).isEqualTo(MessageType.MsgReadIndex);
        assertThat(msgs.get(0).getTo()).isEqualTo(1);
        // The leader's answer becomes a read state.
        r.step(msg(MessageType.MsgReadIndexResp, 1, 2)
                .setTerm(1)
                .setIndex(7)
                .addEntries(Entry.newBuilder().setData(ByteString.copyFromUtf8("x")))
                .build());
        assertThat(r.readStates).containsExactly(new ReadState(7, ByteString.copyFromUtf8("x")));
    }

    /** A malformed read index response (not exactly one entry) is ignored. */
    @Test
    void malformedReadIndexResponseIgnored() {
        Raft r = newTestRaft(2, 10, 1, storageWithPeers(1, 2, 3));
        r.becomeFollower(1, 1);
        r.step(msg(MessageType.MsgReadIndexResp, 1, 2).setTerm(1).setIndex(7).build());
        assertThat(r.readStates).isEmpty();
    }
}
