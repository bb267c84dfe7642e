package io.tinykv.raft;

import static io.tinykv.raft.MembershipTest.cc;
import static io.tinykv.raft.MembershipTest.proposeConfChange;
import static io.tinykv.raft.RaftTestUtil.ackAppends;
import static io.tinykv.raft.RaftTestUtil.beat;
import static io.tinykv.raft.RaftTestUtil.msg;
import static io.tinykv.raft.RaftTestUtil.newTestRaft;
import static io.tinykv.raft.RaftTestUtil.propose;
import static io.tinykv.raft.RaftTestUtil.readMessages;
import static io.tinykv.raft.RaftTestUtil.storageWithPeers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * When a leader tells its followers a new commit index ({@link CommitBroadcast}): eagerly, with a
 * message of its own; or with the next append or heartbeat, except for a conf change, a new
 * leader's first commit and a follower's read, which are told at once.
 */
class CommitBroadcastTest {

    private static Raft leaderOf3(CommitBroadcast mode, Consumer<RaftConfig.Builder> cfg) {
        Raft r = newTestRaft(1, 10, 1, storageWithPeers(1, 2, 3), cfg.andThen(b -> b.commitBroadcast(mode)));
        r.becomeCandidate();
        r.becomeLeader();
        return r;
    }

    private static Raft leaderOf3(CommitBroadcast mode) {
        return leaderOf3(mode, b -> {});
    }

    /** Elects, replicates and commits the no-op with every follower, and drains what that sent. */
    private static void commitNoop(Raft r) {
        r.bcastAppend();
        assertThat(ackAppends(r, readMessages(r))).isEqualTo(2);
        readMessages(r);
    }

    /** Proposes one entry and has both followers acknowledge it; returns its index, now committed. */
    private static long commitOne(Raft r, String data) {
        r.step(propose(1, data));
        assertThat(ackAppends(r, readMessages(r))).isEqualTo(2);
        long index = r.raftLog.lastIndex();
        assertThat(r.raftLog.committed()).isEqualTo(index);
        return index;
    }

    @Test
    void anEagerLeaderSendsEachFollowerTheNewCommitAtOnce() {
        Raft r = leaderOf3(CommitBroadcast.EAGER);
        commitNoop(r);
        long index = commitOne(r, "a");
        assertThat(readMessages(r))
                .extracting(Message::getMsgType, Message::getTo, Message::getCommit, Message::getEntriesCount)
                .containsExactly(
                        tuple(MessageType.MsgAppend, 2L, index, 0), tuple(MessageType.MsgAppend, 3L, index, 0));
    }

    @Test
    void aLazyLeaderSendsNoMessageJustForACommitAndTheNextAppendCarriesIt() {
        Raft r = leaderOf3(CommitBroadcast.WITH_NEXT_MESSAGE);
        commitNoop(r);
        long first = commitOne(r, "a");
        assertThat(readMessages(r)).as("nothing but the commit index to tell").isEmpty();

        r.step(propose(1, "b"));
        List<Message> appends = readMessages(r);
        assertThat(appends).hasSize(2).allSatisfy(m -> {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgAppend);
            assertThat(m.getEntriesList()).extracting(Entry::getIndex).containsExactly(first + 1);
            assertThat(m.getCommit())
                    .as("the earlier commit rides on the new append")
                    .isEqualTo(first);
        });
    }

    @Test
    void aLazyLeadersHeartbeatCarriesTheCommit() {
        Raft r = leaderOf3(CommitBroadcast.WITH_NEXT_MESSAGE);
        commitNoop(r);
        long index = commitOne(r, "a");
        assertThat(readMessages(r)).isEmpty();
        r.step(beat(1));
        assertThat(readMessages(r)).hasSize(2).allSatisfy(m -> {
            assertThat(m.getMsgType()).isEqualTo(MessageType.MsgHeartbeat);
            assertThat(m.getCommit()).isEqualTo(index);
        });
    }

    @Test
    void aLazyLeaderStillTellsAConfChangesCommitAtOnce() {
        Raft r = leaderOf3(CommitBroadcast.WITH_NEXT_MESSAGE);
        commitNoop(r);
        commitOne(r, "a");
        readMessages(r);
        r.step(proposeConfChange(1, cc(ConfChangeType.AddLearnerNode, 4)));
        assertThat(ackAppends(r, readMessages(r))).isEqualTo(2);
        long ccIndex = r.raftLog.lastIndex();
        assertThat(r.raftLog.committed()).isEqualTo(ccIndex);
        assertThat(readMessages(r))
                .as("followers apply a membership change without waiting for a heartbeat")
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.getCommit()).isEqualTo(ccIndex));

        // Once they were told, ordinary commits are lazy again.
        commitOne(r, "b");
        assertThat(readMessages(r)).isEmpty();
    }

    @Test
    void aLazyNewLeaderTellsItsFirstCommitAtOnce() {
        Raft r = leaderOf3(CommitBroadcast.WITH_NEXT_MESSAGE);
        r.bcastAppend();
        assertThat(ackAppends(r, readMessages(r))).isEqualTo(2);
        long noop = r.raftLog.lastIndex();
        assertThat(r.raftLog.committed()).isEqualTo(noop);
        assertThat(readMessages(r))
                .as("the followers learn at once that the new term's entry committed")
                .hasSize(2)
                .allSatisfy(m -> assertThat(m.getCommit()).isEqualTo(noop));
    }

    @Test
    void aFollowersLeaseReadIsAnsweredWithTheCommitItMustApply() {
        Raft r = leaderOf3(
                CommitBroadcast.WITH_NEXT_MESSAGE, b -> b.checkQuorum(true).readOnlyOption(ReadOnlyOption.LEASE_BASED));
        commitNoop(r);
        long index = commitOne(r, "a");
        assertThat(readMessages(r)).isEmpty();

        r.step(msg(MessageType.MsgReadIndex, 2, 1)
                .setTerm(1)
                .addEntries(Entry.newBuilder().setData(ByteString.copyFromUtf8("ctx")))
                .build());
        List<Message> out = readMessages(r);
        assertThat(out)
                .extracting(Message::getMsgType, Message::getTo, Message::getIndex)
                .contains(tuple(MessageType.MsgReadIndexResp, 2L, index));
        assertThat(out)
                .filteredOn(m -> m.getMsgType() == MessageType.MsgAppend)
                .as("the reader learns the commit index it waits to apply")
                .singleElement()
                .satisfies(m -> {
                    assertThat(m.getTo()).isEqualTo(2);
                    assertThat(m.getCommit()).isEqualTo(index);
                });
    }
}
