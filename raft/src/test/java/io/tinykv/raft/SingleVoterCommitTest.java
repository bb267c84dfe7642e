package io.tinykv.raft;

import static io.tinykv.raft.MembershipTest.cc;
import static io.tinykv.raft.RaftTestUtil.ent;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfChangeType;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Message;
import io.tinykv.proto.Eraftpb.MessageType;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A group whose quorum is the leader alone commits an entry as soon as the Ready that persists it
 * is advanced — never before, since an entry is committed only once durable on a quorum, the leader
 * included — and the Ready that then hands it out needs no further sync
 * ({@link RawNode#readyMustSync()}), so the application may apply it in the round of its persist.
 * A larger group still waits for its followers.
 */
class SingleVoterCommitTest {

    private static final ByteString DATA = ByteString.copyFromUtf8("x");

    private static RawNode node(long id, MemoryStorage s) {
        return new RawNode(RaftConfig.builder(id).build(), s, new Random(id));
    }

    /** Persists a Ready's snapshot, hard state and entries, as the application does before advancing. */
    private static void persist(Ready rd, MemoryStorage s) {
        if (rd.snapshot() != null) {
            s.applySnapshot(rd.snapshot());
        }
        if (rd.hardState() != null) {
            s.setHardState(rd.hardState());
        }
        s.append(rd.entries());
    }

    /** A single voter, elected and with its first (empty) entry applied. */
    private static RawNode electedSingleVoter(MemoryStorage s) {
        RawNode rn = node(1, s);
        rn.campaign();
        while (rn.hasReady()) {
            Ready rd = rn.ready();
            persist(rd, s);
            rn.advance(rd);
        }
        assertThat(rn.isLeader()).isTrue();
        return rn;
    }

    @Test
    void aSingleVotersEntryIsCommittedOnceItsPersistIsAdvancedAndNeedsNoFurtherSync() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        RawNode rn = electedSingleVoter(s);
        long commitBefore = rn.commitIndex();

        rn.propose(DATA);
        assertThat(rn.readyMustSync()).as("the new entry must be synced").isTrue();
        Ready persistIt = rn.ready();
        assertThat(persistIt.mustSync()).isTrue();
        assertThat(persistIt.entries()).extracting(Entry::getData).containsExactly(DATA);
        assertThat(persistIt.committedEntries())
                .as("not durable yet: not committed")
                .isEmpty();
        assertThat(persistIt.hardState())
                .as("the commit index does not run ahead of the persist")
                .isNull();
        assertThat(rn.commitIndex()).isEqualTo(commitBefore);
        long index = persistIt.entries().get(0).getIndex();

        persist(persistIt, s);
        rn.advance(persistIt);
        assertThat(rn.commitIndex())
                .as("its own durable copy is the whole quorum")
                .isEqualTo(index);
        assertThat(rn.hasReady()).isTrue();
        assertThat(rn.readyMustSync())
                .as("handing out the committed entry needs no further sync")
                .isFalse();

        Ready applyIt = rn.ready();
        assertThat(applyIt.mustSync()).isFalse();
        assertThat(applyIt.entries()).as("nothing more to persist").isEmpty();
        assertThat(applyIt.snapshot()).isNull();
        assertThat(applyIt.committedEntries()).containsExactly(ent(index, 1, "x"));
        assertThat(applyIt.hardState())
                .as("only the commit index changed")
                .isEqualTo(HardState.newBuilder()
                        .setTerm(1)
                        .setVote(1)
                        .setCommit(index)
                        .build());
        assertThat(applyIt.messages()).isEmpty();
        assertThat(applyIt.messagesBeforePersist()).isEmpty();
        rn.advance(applyIt);
        assertThat(rn.hasReady()).isFalse();
    }

    /** Many proposals in one round: one Ready persists them all, the next hands them all out. */
    @Test
    void proposalsOfOneRoundAreCommittedTogetherByTheirOnePersist() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        RawNode rn = electedSingleVoter(s);
        for (int i = 0; i < 5; i++) {
            rn.propose(ByteString.copyFromUtf8("v" + i));
        }
        Ready persistIt = rn.ready();
        assertThat(persistIt.entries()).hasSize(5);
        persist(persistIt, s);
        rn.advance(persistIt);
        assertThat(rn.readyMustSync()).isFalse();
        Ready applyIt = rn.ready();
        assertThat(applyIt.committedEntries()).isEqualTo(persistIt.entries());
        assertThat(applyIt.entries()).isEmpty();
    }

    /**
     * Three voters: the leader's own persist is one copy of three. Nothing is committed until a
     * follower's acknowledgement arrives, and only then is there a Ready (without a sync) to apply it.
     */
    @Test
    void threeVotersStillWaitForAFollower() {
        MemoryStorage s = MemoryStorage.withVoters(1, 2, 3);
        RawNode rn = node(1, s);
        rn.campaign();
        Ready campaign = rn.ready();
        persist(campaign, s);
        rn.advance(campaign);
        rn.step(Message.newBuilder()
                .setMsgType(MessageType.MsgRequestVoteResponse)
                .setFrom(2)
                .setTo(1)
                .setTerm(1)
                .build());
        Ready elected = rn.ready();
        persist(elected, s);
        rn.advance(elected);
        // The followers acknowledge the new leader's empty entry.
        long emptyIndex = elected.entries().get(0).getIndex();
        for (long follower : new long[] {2, 3}) {
            rn.step(Message.newBuilder()
                    .setMsgType(MessageType.MsgAppendResponse)
                    .setFrom(follower)
                    .setTo(1)
                    .setTerm(1)
                    .setIndex(emptyIndex)
                    .build());
        }
        while (rn.hasReady()) {
            Ready rd = rn.ready();
            persist(rd, s);
            rn.advance(rd);
        }
        long commitBefore = rn.commitIndex();

        rn.propose(DATA);
        Ready persistIt = rn.ready();
        assertThat(persistIt.mustSync()).isTrue();
        assertThat(persistIt.messagesBeforePersist())
                .extracting(Message::getMsgType)
                .containsExactly(MessageType.MsgAppend, MessageType.MsgAppend);
        long index = persistIt.entries().get(0).getIndex();
        persist(persistIt, s);
        rn.advance(persistIt);
        assertThat(rn.commitIndex())
                .as("one durable copy of three commits nothing")
                .isEqualTo(commitBefore);
        assertThat(rn.hasReady())
                .as("nothing to hand out until a follower answers")
                .isFalse();

        rn.step(Message.newBuilder()
                .setMsgType(MessageType.MsgAppendResponse)
                .setFrom(2)
                .setTo(1)
                .setTerm(1)
                .setIndex(index)
                .build());
        assertThat(rn.commitIndex()).isEqualTo(index);
        assertThat(rn.readyMustSync()).isFalse();
        Ready applyIt = rn.ready();
        assertThat(applyIt.committedEntries()).extracting(Entry::getIndex).containsExactly(index);
        assertThat(applyIt.entries()).isEmpty();
    }

    /**
     * The quorum is whatever the configuration says, not a special case for one node: a leader that
     * has just added a second voter needs that voter too, and after removing it commits alone again.
     */
    @Test
    void theQuorumFollowsTheConfiguration() {
        MemoryStorage s = MemoryStorage.withVoters(1);
        RawNode rn = electedSingleVoter(s);
        rn.applyConfChange(cc(ConfChangeType.AddNode, 2));
        rn.propose(DATA);
        Ready persistIt = rn.ready();
        long index = persistIt.entries().get(0).getIndex();
        persist(persistIt, s);
        rn.advance(persistIt);
        assertThat(rn.commitIndex())
                .as("two voters: the leader alone is not a majority")
                .isLessThan(index);
        assertThat(persistIt.messagesBeforePersist()).extracting(Message::getTo).containsOnly(2L);
        while (rn.hasReady()) {
            Ready rd = rn.ready();
            assertThat(rd.committedEntries()).extracting(Entry::getIndex).doesNotContain(index);
            persist(rd, s);
            rn.advance(rd);
        }

        rn.applyConfChange(cc(ConfChangeType.RemoveNode, 2));
        assertThat(rn.commitIndex())
                .as("alone again: its durable copy is the quorum")
                .isEqualTo(index);
        assertThat(rn.readyMustSync()).isFalse();
        assertThat(rn.ready().committedEntries()).extracting(Entry::getIndex).containsExactly(index);
    }

    /** readyMustSync says what ready().mustSync() will: a new term or vote must be synced too. */
    @Test
    void aNewTermOrVoteMustBeSynced() {
        MemoryStorage s = MemoryStorage.withVoters(1, 2, 3);
        RawNode rn = node(1, s);
        rn.campaign();
        assertThat(rn.hasReady()).isTrue();
        assertThat(rn.readyMustSync()).isTrue();
        Ready rd = rn.ready();
        assertThat(rd.mustSync()).isTrue();
        assertThat(rd.entries()).isEmpty();
        assertThat(List.of(rd.hardState().getTerm(), rd.hardState().getVote())).containsExactly(1L, 1L);
    }
}
