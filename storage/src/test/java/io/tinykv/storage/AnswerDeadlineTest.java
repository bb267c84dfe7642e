package io.tinykv.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Kvrpcpb;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The answer deadline's queue, on a clock the test moves. */
class AnswerDeadlineTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Kvrpcpb.Context CTX =
            Kvrpcpb.Context.newBuilder().setRegionId(7).build();

    private final AtomicLong nowNanos = new AtomicLong(1_000);
    private final AnswerDeadline deadline = AnswerDeadline.unswept(TIMEOUT, nowNanos::get);

    @Test
    void anAnswerStillPendingAtTheTimeoutIsServerIsBusyAndTheWriteIsLeftAlone() {
        CompletableFuture<String> write = new CompletableFuture<>();
        CompletableFuture<String> answer = deadline.bound(write, CTX, "raw write");

        nowNanos.addAndGet(TIMEOUT.toNanos() - 1);
        assertThat(deadline.expireOverdue()).as("one nanosecond early").isZero();
        assertThat(answer).isNotDone();

        nowNanos.addAndGet(1);
        assertThat(deadline.expireOverdue()).isEqualTo(1);
        assertThatThrownBy(answer::join)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(RegionException.class)
                .satisfies(e -> {
                    var error = ((RegionException) e).error();
                    assertThat(error.getServerIsBusy().getReason()).isEqualTo("raw write timed out");
                    assertThat(error.getMessage()).contains("region 7").contains("may still apply");
                });
        assertThat(write).as("the write itself is not the answer").isNotDone();
        write.complete("applied");
        assertThat(answer.isCompletedExceptionally())
                .as("a late result does not change the answer")
                .isTrue();
    }

    @Test
    void answersGivenInTimeAreForgottenAtTheNextSweepAndNeverFailed() {
        List<CompletableFuture<String>> writes = new ArrayList<>();
        List<CompletableFuture<String>> answers = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            CompletableFuture<String> write = new CompletableFuture<>();
            writes.add(write);
            answers.add(deadline.bound(write, CTX, "raw write"));
        }
        writes.forEach(w -> w.complete("ok"));
        assertThat(deadline.waitingCount()).isEqualTo(1_000);

        assertThat(deadline.expireOverdue()).as("none was overdue").isZero();
        assertThat(deadline.waitingCount())
                .as("the given answers left the queue before their time")
                .isZero();
        assertThat(answers).allSatisfy(a -> assertThat(a.join()).isEqualTo("ok"));
    }

    @Test
    void aPendingHeadKeepsTheAnswersBehindItUntilItIsDueThenEachIsJudgedOnItsOwn() {
        CompletableFuture<String> stuck = new CompletableFuture<>();
        CompletableFuture<String> stuckAnswer = deadline.bound(stuck, CTX, "raw write");
        nowNanos.addAndGet(TIMEOUT.toNanos() / 2);
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<String> laterAnswer = deadline.bound(later, CTX, "raw write");
        CompletableFuture<String> given = new CompletableFuture<>();
        CompletableFuture<String> givenAnswer = deadline.bound(given, CTX, "raw write");
        given.complete("ok");

        assertThat(deadline.expireOverdue()).isZero();
        assertThat(deadline.waitingCount())
                .as("behind a pending head, in order")
                .isEqualTo(3);

        nowNanos.addAndGet(TIMEOUT.toNanos() / 2);
        assertThat(deadline.expireOverdue()).as("only the first is due").isEqualTo(1);
        assertThat(stuckAnswer.isCompletedExceptionally()).isTrue();
        assertThat(laterAnswer).isNotDone();
        assertThat(deadline.waitingCount()).isEqualTo(2);

        later.complete("ok");
        assertThat(deadline.expireOverdue()).isZero();
        assertThat(deadline.waitingCount()).isZero();
        assertThat(laterAnswer.join()).isEqualTo("ok");
        assertThat(givenAnswer.join()).isEqualTo("ok");
    }

    @Test
    void failWhenOverdueFailsTheFutureItselfWithATimeout() {
        CompletableFuture<String> read = new CompletableFuture<>();
        assertThat(deadline.failWhenOverdue(read)).isSameAs(read);
        nowNanos.addAndGet(TIMEOUT.toNanos());
        deadline.expireOverdue();
        assertThat(read.complete("late"))
                .as("a late result finds the future given up")
                .isFalse();
        assertThatThrownBy(read::join).cause().isInstanceOf(TimeoutException.class);
    }

    @Test
    void aFailureOfTheWriteIsTheAnswersFailure() {
        CompletableFuture<String> write = new CompletableFuture<>();
        CompletableFuture<String> answer = deadline.bound(write, CTX, "raw write");
        write.completeExceptionally(new IllegalStateException("refused"));
        assertThatThrownBy(answer::join)
                .cause()
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("refused");
    }

    @Test
    void noneQueuesNothing() {
        CompletableFuture<String> write = new CompletableFuture<>();
        AnswerDeadline.NONE.bound(write, CTX, "raw write");
        assertThat(AnswerDeadline.NONE.waitingCount()).isZero();
    }

    @Test
    void theSharedSweeperFailsAnOverdueAnswerOnItsOwnThread() throws Exception {
        AnswerDeadline swept = new AnswerDeadline(Duration.ofMillis(30));
        CompletableFuture<String> answer = swept.bound(new CompletableFuture<>(), CTX, "raw write");
        CompletableFuture<String> failedOn =
                answer.handle((v, e) -> Thread.currentThread().getName());
        // Waits on the answer itself, with a deadline far beyond the timeout plus one sweep interval.
        assertThat(failedOn.get(10, TimeUnit.SECONDS)).isEqualTo("answer-deadlines");
        assertThat(answer.isCompletedExceptionally()).isTrue();
    }

    @Test
    void aTimeoutMustBePositive() {
        assertThatThrownBy(() -> AnswerDeadline.unswept(Duration.ZERO, nowNanos::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
    }
}
