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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The leader's ReadIndex queue: matched by context, answered in order once applied, failed when never. */
class ReadQueueTest {

    private static final long TERM = 3;
    private static final Metapb.Region REGION = TestEngines.region(1, 1, 1);
    private static final Errorpb.Error NOT_LEADER = RegionErrors.notLeader(REGION.getId(), null);

    /** The order reads were run in, by the header's term the test gave each request. */
    private final List<Long> executed = new ArrayList<>();

    private final ReadExecutor executor = (request, region, term) -> {
        executed.add(request.getHeader().getTerm());
        return CmdResult.of(RaftCmdResponse.newBuilder()
                .setHeader(RaftResponseHeader.newBuilder().setCurrentTerm(term))
                .build());
    };

    private static ByteString context(int n) {
        return ByteString.copyFromUtf8("read-" + n);
    }

    /** A request the executor can tell apart from the others by {@code n}. */
    private static RaftCmdRequest request(int n) {
        return RaftCmdRequest.newBuilder()
                .setHeader(
                        io.tinykv.proto.RaftCmdpb.RaftRequestHeader.newBuilder().setTerm(n))
                .build();
    }

    private static Callback into(AtomicReference<CmdResult> answer) {
        return new Callback(answer::set);
    }

    @Test
    void aReadIsAnsweredOnlyOnceItsReadIndexIsConfirmedAndApplied() {
        ReadQueue queue = new ReadQueue();
        AtomicReference<CmdResult> answer = new AtomicReference<>();
        queue.add(context(1), request(1), into(answer), TERM, 1_000);
        assertThat(queue.asked()).isEqualTo(1);

        queue.serveApplied(100, executor, REGION, TERM);
        assertThat(answer.get()).as("no read index yet: nothing applied counts").isNull();

        assertThat(queue.onReadIndex(context(1), 7)).isEqualTo(new ReadQueue.Confirmed(TERM, 1_000));
        queue.serveApplied(6, executor, REGION, TERM);
        assertThat(answer.get()).as("applied 6 < read index 7").isNull();

        queue.serveApplied(7, executor, REGION, TERM);
        assertThat(answer.get().isError()).isFalse();
        assertThat(executed).containsExactly(1L);
        assertThat(queue.isEmpty()).isTrue();
    }

    @Test
    void aContextOfNoReadMatchesNothing() {
        ReadQueue queue = new ReadQueue();
        queue.add(context(1), request(1), into(new AtomicReference<>()), TERM, 0);
        assertThat(queue.onReadIndex(context(2), 7)).isNull();
    }

    @Test
    void aLaterReadNeverOvertakesAnEarlierOneWithoutItsIndex() {
        ReadQueue queue = new ReadQueue();
        AtomicReference<CmdResult> first = new AtomicReference<>();
        AtomicReference<CmdResult> second = new AtomicReference<>();
        queue.add(context(1), request(1), into(first), TERM, 0);
        queue.add(context(2), request(2), into(second), TERM, 0);

        queue.onReadIndex(context(2), 5);
        queue.serveApplied(5, executor, REGION, TERM);
        assertThat(second.get()).as("the first read's index is still unknown").isNull();

        queue.onReadIndex(context(1), 5);
        queue.serveApplied(5, executor, REGION, TERM);
        assertThat(executed).containsExactly(1L, 2L);
        assertThat(first.get()).isNotNull();
        assertThat(second.get()).isNotNull();
    }

    @Test
    void aStepDownFailsTheReadsWithoutAnIndexAndKeepsTheConfirmedOnes() {
        ReadQueue queue = new ReadQueue();
        AtomicReference<CmdResult> waiting = new AtomicReference<>();
        AtomicReference<CmdResult> indexed = new AtomicReference<>();
        queue.add(context(1), request(1), into(waiting), TERM, 0);
        queue.add(context(2), request(2), into(indexed), TERM, 0);
        queue.onReadIndex(context(2), 5);

        queue.failUnconfirmed(true, TERM, NOT_LEADER);
        assertThat(waiting.get())
                .as("still leading in its term: the answer may come")
                .isNull();

        queue.failUnconfirmed(false, TERM, NOT_LEADER);
        assertThat(waiting.get().response().getHeader().getError().hasNotLeader())
                .isTrue();
        assertThat(waiting.get().response().getHeader().getCurrentTerm()).isEqualTo(TERM);
        assertThat(indexed.get()).as("its index was valid when it asked").isNull();

        queue.serveApplied(5, executor, REGION, TERM);
        assertThat(indexed.get().isError()).isFalse();
        assertThat(executed).as("a failed read is not run").containsExactly(2L);
    }

    @Test
    void aNewTermFailsTheReadsAskedInTheOldOneEvenStillLeading() {
        ReadQueue queue = new ReadQueue();
        AtomicReference<CmdResult> old = new AtomicReference<>();
        AtomicReference<CmdResult> current = new AtomicReference<>();
        queue.add(context(1), request(1), into(old), TERM, 0);
        queue.add(context(2), request(2), into(current), TERM + 1, 0);

        queue.failUnconfirmed(true, TERM + 1, NOT_LEADER);
        assertThat(old.get().response().getHeader().getError().hasNotLeader()).isTrue();
        assertThat(old.get().response().getHeader().getCurrentTerm()).isEqualTo(TERM + 1);
        assertThat(current.get()).isNull();
        assertThat(queue.isEmpty()).isFalse();
    }

    @Test
    void theRenewalRoundIsConfirmedApartFromTheReads() {
        ReadQueue queue = new ReadQueue();
        queue.startRenewal(context(9), 5_000, TERM);
        assertThat(queue.isRenewing()).isTrue();
        assertThat(queue.isEmpty()).as("a renewal is no read").isTrue();

        assertThat(queue.onReadIndex(context(9), 4)).isEqualTo(new ReadQueue.Confirmed(TERM, 5_000));
        assertThat(queue.isRenewing()).isFalse();
        assertThat(queue.onReadIndex(context(9), 4)).as("confirmed once").isNull();
        assertThat(queue.asked()).as("not a read").isZero();
    }

    @Test
    void theRenewalRoundIsForgottenOnStepDownOrANewTermOnly() {
        ReadQueue queue = new ReadQueue();
        queue.startRenewal(context(9), 0, TERM);
        queue.failUnconfirmed(true, TERM, NOT_LEADER);
        assertThat(queue.isRenewing()).isTrue();

        queue.failUnconfirmed(true, TERM + 1, NOT_LEADER);
        assertThat(queue.isRenewing()).isFalse();

        queue.startRenewal(context(10), 0, TERM);
        queue.failUnconfirmed(false, TERM, NOT_LEADER);
        assertThat(queue.isRenewing()).isFalse();

        queue.startRenewal(context(11), 0, TERM);
        queue.cancelRenewal();
        assertThat(queue.isRenewing()).isFalse();
        assertThat(queue.onReadIndex(context(11), 1)).isNull();
    }

    @Test
    void failAllAnswersEveryReadInOrder() {
        ReadQueue queue = new ReadQueue();
        List<Long> order = new ArrayList<>();
        queue.add(context(1), request(1), new Callback(r -> order.add(1L)), TERM, 0);
        queue.add(context(2), request(2), new Callback(r -> order.add(2L)), TERM, 0);
        queue.onReadIndex(context(2), 1);
        AtomicReference<CmdResult> last = new AtomicReference<>();
        queue.add(context(3), request(3), into(last), TERM, 0);

        queue.failAll(RegionErrors.regionNotFound(REGION.getId()), TERM);
        assertThat(order).containsExactly(1L, 2L);
        assertThat(last.get().response().getHeader().getError().hasRegionNotFound())
                .isTrue();
        assertThat(queue.isEmpty()).isTrue();
        assertThat(queue.asked()).isEqualTo(3);
    }
}
