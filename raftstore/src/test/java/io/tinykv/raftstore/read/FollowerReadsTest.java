package io.tinykv.raftstore.read;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdResponse;
import io.tinykv.proto.RaftCmdpb.RaftResponseHeader;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.TestEngines;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The follower's read queue: answered once its read index is applied, failed when it never can be. */
class FollowerReadsTest {

    private static final long TIMEOUT_TICKS = 10;
    private static final long TERM = 3;
    private static final long LEADER = 2;
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1);
    private static final Errorpb.Error NOT_LEADER = RegionErrors.notLeader(REGION.getId(), null);

    private final AtomicInteger executed = new AtomicInteger();
    private final ReadExecutor executor = (request, region, term) -> {
        executed.incrementAndGet();
        return CmdResult.of(RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term))
                .build());
    };

    private static ByteString context(int n) {
        return ByteString.copyFromUtf8("read-" + n);
    }

    private static Callback into(AtomicReference<CmdResult> answer) {
        return new Callback(answer::set);
    }

    @Test
    void aReadIsAnsweredOnlyOnceItsReadIndexIsApplied() {
        FollowerReads reads = new FollowerReads(TIMEOUT_TICKS);
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        reads.add(context(1), RaftCmdRequest.getDefaultInstance(), into(answer), TERM, LEADER, 0);

        reads.serveApplied(100, executor, REGION, TERM);
        assertThat(answer.get()).as("no read index yet: nothing applied counts").isNull();

        assertThat(reads.onReadIndex(context(1), 7)).isTrue();
        reads.serveApplied(6, executor, REGION, TERM);
        assertThat(answer.get()).as("applied 6 < read index 7").isNull();

        reads.serveApplied(7, executor, REGION, TERM);
        assertThat(answer.get()).isNotNull();
        assertThat(answer.get().isError()).isFalse();
        assertThat(executed).hasValue(1);
        assertThat(reads.served()).isEqualTo(1);
        assertThat(reads.isEmpty()).isTrue();
    }

    @Test
    void aReadIndexForAnotherContextIsNotTaken() {
        FollowerReads reads = new FollowerReads(TIMEOUT_TICKS);
        reads.add(context(1), RaftCmdRequest.getDefaultInstance(), into(new AtomicReference<>()), TERM, LEADER, 0);
        assertThat(reads.onReadIndex(context(2), 7)).isFalse();
    }

    @Test
    void aLeaderChangeFailsTheReadsStillWithoutAnIndexAndKeepsTheOthers() {
        FollowerReads reads = new FollowerReads(TIMEOUT_TICKS);
        AtomicReference<CmdResult> waiting = new AtomicReference<>();
        AtomicReference<CmdResult> indexed = new AtomicReference<>();
        reads.add(context(1), RaftCmdRequest.getDefaultInstance(), into(waiting), TERM, LEADER, 0);
        reads.add(context(2), RaftCmdRequest.getDefaultInstance(), into(indexed), TERM, LEADER, 0);
        reads.onReadIndex(context(2), 5);

        reads.onLeaderChanged(TERM, LEADER, NOT_LEADER);
        assertThat(waiting.get())
                .as("same term and leader: the answer may still come")
                .isNull();

        reads.onLeaderChanged(TERM + 1, 0, NOT_LEADER);
        assertThat(waiting.get()).isNotNull();
        assertThat(waiting.get().response().getHeader().getError().hasNotLeader())
                .isTrue();
        assertThat(indexed.get()).as("its index stays valid under a new leader").isNull();

        reads.serveApplied(5, executor, REGION, TERM + 1);
        assertThat(indexed.get().isError()).isFalse();
    }

    @Test
    void aReadThatWaitsTooLongFailsAndIsNeverServed() {
        FollowerReads reads = new FollowerReads(TIMEOUT_TICKS);
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        reads.add(context(1), RaftCmdRequest.getDefaultInstance(), into(answer), TERM, LEADER, 4);

        reads.expire(4 + TIMEOUT_TICKS - 1, NOT_LEADER, TERM);
        assertThat(answer.get()).isNull();
        reads.expire(4 + TIMEOUT_TICKS, NOT_LEADER, TERM);
        assertThat(answer.get().response().getHeader().getError().hasNotLeader())
                .isTrue();

        reads.onReadIndex(context(1), 1);
        reads.serveApplied(100, executor, REGION, TERM);
        assertThat(executed).as("a failed read is not run").hasValue(0);
    }

    @Test
    void failAllAnswersEveryRead() {
        FollowerReads reads = new FollowerReads(TIMEOUT_TICKS);
        AtomicReference<CmdResult> a = new AtomicReference<>();
        AtomicReference<CmdResult> b = new AtomicReference<>();
        reads.add(context(1), RaftCmdRequest.getDefaultInstance(), into(a), TERM, LEADER, 0);
        reads.add(context(2), RaftCmdRequest.getDefaultInstance(), into(b), TERM, LEADER, 0);
        reads.failAll(RegionErrors.regionNotFound(REGION.getId()), TERM);
        assertThat(a.get().response().getHeader().getError().hasRegionNotFound())
                .isTrue();
        assertThat(b.get().response().getHeader().getError().hasRegionNotFound())
                .isTrue();
        assertThat(reads.isEmpty()).isTrue();
    }
}
