package io.tinykv.raftstore.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The checker must accept what a linearizable register can do and reject what it cannot. */
class RegisterCheckerTest {

    @Test
    void sequentialPutThenGetIsLinearizable() {
        History h = new History();
        History.Op put = h.invokePut(0, "k", "a");
        h.succeed(put, null);
        History.Op get = h.invokeGet(1, "k");
        h.succeed(get, "a");
        assertThat(RegisterChecker.check(h.ops()).ok()).isTrue();
    }

    @Test
    void readingTheOldValueAfterAnAcknowledgedPutIsAStaleRead() {
        History h = new History();
        History.Op first = h.invokePut(0, "k", "a");
        h.succeed(first, null);
        History.Op second = h.invokePut(0, "k", "b");
        h.succeed(second, null);
        History.Op get = h.invokeGet(1, "k");
        h.succeed(get, "a");
        RegisterChecker.Result result = RegisterChecker.check(h.ops());
        assertThat(result.ok()).isFalse();
        assertThat(result.message()).contains("key k is not linearizable");
    }

    @Test
    void aGetConcurrentWithAPutMaySeeEitherValue() {
        for (String seen : new String[] {null, "a"}) {
            History h = new History();
            History.Op put = h.invokePut(0, "k", "a");
            History.Op get = h.invokeGet(1, "k");
            h.succeed(get, seen);
            h.succeed(put, null);
            assertThat(RegisterChecker.check(h.ops()).ok()).as("get saw %s", seen).isTrue();
        }
    }

    @Test
    void valuesMustNotGoBackInTimeAcrossSequentialReads() {
        History h = new History();
        History.Op put = h.invokePut(0, "k", "a");
        History.Op get1 = h.invokeGet(1, "k");
        h.succeed(get1, "a");
        History.Op get2 = h.invokeGet(1, "k");
        h.succeed(get2, null);
        h.succeed(put, null);
        assertThat(RegisterChecker.check(h.ops()).ok()).isFalse();
    }

    @Test
    void aPutOfUnknownOutcomeMayHaveHappenedOrNot() {
        History seen = new History();
        History.Op lost = seen.invokePut(0, "k", "a");
        seen.fail(lost);
        History.Op get = seen.invokeGet(1, "k");
        seen.succeed(get, "a");
        assertThat(RegisterChecker.check(seen.ops()).ok()).isTrue();

        History unseen = new History();
        History.Op lost2 = unseen.invokePut(0, "k", "a");
        unseen.fail(lost2);
        History.Op get2 = unseen.invokeGet(1, "k");
        unseen.succeed(get2, null);
        assertThat(RegisterChecker.check(unseen.ops()).ok()).isTrue();
    }

    @Test
    void aPutOfUnknownOutcomeCannotTakeEffectBeforeItWasInvoked() {
        History h = new History();
        History.Op get = h.invokeGet(1, "k");
        h.succeed(get, "a");
        History.Op late = h.invokePut(0, "k", "a");
        h.fail(late);
        assertThat(RegisterChecker.check(h.ops()).ok()).isFalse();
    }

    @Test
    void readingAValueNobodyWroteIsReported() {
        History h = new History();
        History.Op get = h.invokeGet(1, "k");
        h.succeed(get, "ghost");
        RegisterChecker.Result result = RegisterChecker.check(h.ops());
        assertThat(result.ok()).isFalse();
        assertThat(result.message()).contains("nobody wrote");
    }

    @Test
    void keysAreCheckedIndependently() {
        History h = new History();
        History.Op putA = h.invokePut(0, "a", "1");
        h.succeed(putA, null);
        History.Op getB = h.invokeGet(1, "b");
        h.succeed(getB, null);
        History.Op getA = h.invokeGet(1, "a");
        h.succeed(getA, "1");
        assertThat(RegisterChecker.check(h.ops()).ok()).isTrue();
    }
}
