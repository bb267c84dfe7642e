package io.tinykv.testkit.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The checker must accept what a linearizable register can do and reject what it cannot. */
class LinearizabilityCheckerTest {

    @Test
    void sequentialPutThenGetIsLinearizable() {
        RecordedHistory h = new RecordedHistory();
        h.ok(h.put(0, "k", "a"));
        h.ok(h.get(1, "k"), "a");
        assertThat(LinearizabilityChecker.check(h.ops()).ok()).isTrue();
    }

    @Test
    void readingTheOldValueAfterAnAcknowledgedPutIsAStaleRead() {
        RecordedHistory h = new RecordedHistory();
        h.ok(h.put(0, "k", "a"));
        h.ok(h.put(0, "k", "b"));
        h.ok(h.get(1, "k"), "a");
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(h.ops());
        assertThat(result.ok()).isFalse();
        assertThat(result.message()).contains("key k is not linearizable");
    }

    @Test
    void aGetConcurrentWithAPutMaySeeEitherValue() {
        for (String seen : new String[] {null, "a"}) {
            RecordedHistory h = new RecordedHistory();
            int put = h.put(0, "k", "a");
            h.ok(h.get(1, "k"), seen);
            h.ok(put);
            assertThat(LinearizabilityChecker.check(h.ops()).ok())
                    .as("get saw %s", seen)
                    .isTrue();
        }
    }

    @Test
    void valuesMustNotGoBackInTimeAcrossSequentialReads() {
        RecordedHistory h = new RecordedHistory();
        int put = h.put(0, "k", "a");
        h.ok(h.get(1, "k"), "a");
        h.ok(h.get(1, "k"), null);
        h.ok(put);
        assertThat(LinearizabilityChecker.check(h.ops()).ok()).isFalse();
    }

    @Test
    void aPutOfUnknownOutcomeMayHaveHappenedOrNot() {
        RecordedHistory seen = new RecordedHistory();
        seen.put(0, "k", "a");
        seen.ok(seen.get(1, "k"), "a");
        assertThat(LinearizabilityChecker.check(seen.ops()).ok()).isTrue();

        RecordedHistory unseen = new RecordedHistory();
        unseen.put(0, "k", "a");
        unseen.ok(unseen.get(1, "k"), null);
        assertThat(LinearizabilityChecker.check(unseen.ops()).ok()).isTrue();
    }

    @Test
    void aPutOfUnknownOutcomeCannotTakeEffectBeforeItWasInvoked() {
        RecordedHistory h = new RecordedHistory();
        h.ok(h.get(1, "k"), "a");
        h.put(0, "k", "a");
        assertThat(LinearizabilityChecker.check(h.ops()).ok()).isFalse();
    }

    @Test
    void readingAValueNobodyWroteIsReported() {
        RecordedHistory h = new RecordedHistory();
        h.ok(h.get(1, "k"), "ghost");
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(h.ops());
        assertThat(result.ok()).isFalse();
        assertThat(result.message()).contains("no put wrote");
    }

    @Test
    void keysAreCheckedIndependently() {
        RecordedHistory h = new RecordedHistory();
        h.ok(h.put(0, "a", "1"));
        h.ok(h.get(1, "b"), null);
        h.ok(h.get(1, "a"), "1");
        assertThat(LinearizabilityChecker.check(h.ops()).ok()).isTrue();
    }

    @Test
    void theCounterexampleKeepsOnlyTheOperationsThatMatter() {
        RecordedHistory h = new RecordedHistory();
        for (int i = 0; i < 20; i++) {
            h.ok(h.put(0, "k", "v" + i));
            h.ok(h.get(1, "k"), "v" + i);
        }
        h.ok(h.get(2, "k"), "v3"); // stale: v19 was acknowledged long before
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(h.ops());
        assertThat(result.ok()).isFalse();
        // The stale read, the put it read, and one later acknowledged put explain the violation.
        assertThat(result.counterexample()).hasSize(3);
        assertThat(result.counterexample()).extracting(RegisterOp::value).contains("v3");
        assertThat(result.message()).contains("a minimal counterexample, 3 of its 41 operations");
    }

    @Test
    void aPutValueUsedTwiceIsRefusedAsABadHistory() {
        RecordedHistory h = new RecordedHistory();
        h.ok(h.put(0, "k", "a"));
        h.ok(h.put(1, "k", "a"));
        assertThatThrownBy(() -> LinearizabilityChecker.check(h.ops()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("put twice");
    }

    /**
     * Histories of a real atomic register, with clients overlapping at random and some answers
     * lost, are linearizable by construction; moving one read back to a value that was overwritten
     * before the read began makes them not.
     */
    @Test
    void randomHistoriesOfARealRegisterPassAndAStaleReadInThemFails() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            List<RegisterOp> ops = new ArrayList<>();
            String current = null;
            List<String> overwritten = new ArrayList<>();
            long time = 0;
            int staleCandidate = -1;
            String staleValue = null;
            for (int i = 0; i < 30; i++) {
                long invoke = time;
                // The operation takes effect at invoke + 1; its answer arrives some time later,
                // overlapping the next operations' invocations.
                long effect = invoke + 1;
                long complete = random.nextInt(8) == 0 ? RegisterOp.UNKNOWN : effect + random.nextInt(4);
                boolean put = random.nextBoolean();
                if (put) {
                    String value = "v" + i;
                    if (current != null) {
                        overwritten.add(current);
                    }
                    current = value;
                    ops.add(RegisterOp.put(i, i % 3, "k", value, invoke, complete));
                } else if (complete != RegisterOp.UNKNOWN) {
                    ops.add(RegisterOp.get(i, i % 3, "k", current, invoke, complete));
                }
                time = effect + 1;
            }
            assertThat(LinearizabilityChecker.check(ops).ok())
                    .as("seed %d", seed)
                    .isTrue();

            // A read issued after everything else completed ...
            long end = ops.stream()
                            .mapToLong(op -> op.isKnown() ? op.completeTime() : op.invokeTime())
                            .max()
                            .orElse(0)
                    + 1;
            // A put acknowledged before the last acknowledged put was even invoked is overwritten
            // in every order that respects real time.
            RegisterOp last = null;
            for (RegisterOp op : ops) {
                if (op.kind() == RegisterOp.Kind.PUT && op.isKnown()) {
                    last = op;
                }
            }
            String stale = null;
            for (RegisterOp op : ops) {
                if (last != null
                        && op.kind() == RegisterOp.Kind.PUT
                        && op.isKnown()
                        && op.completeTime() < last.invokeTime()) {
                    stale = op.value();
                }
            }
            if (stale == null) {
                continue;
            }
            List<RegisterOp> broken = new ArrayList<>(ops);
            broken.add(RegisterOp.get(1000, 9, "k", stale, end, end + 1));
            assertThat(LinearizabilityChecker.check(broken).ok())
                    .as("seed %d, stale read of %s", seed, stale)
                    .isFalse();
        }
    }
    /**
     * The loaded flake hunt's history (times shortened): a RawKV put retried by the TiKV client
     * took effect, another client overwrote it, and the retry took effect again. Not linearizable
     * for a put that acts once; linearizable for one the client may have sent twice.
     */
    @Test
    void aRetriedPutMayTakeEffectAgainWithinItsInterval() {
        for (boolean mayRepeat : new boolean[] {false, true}) {
            List<RegisterOp> ops = List.of(
                    mayRepeat
                            ? RegisterOp.retriedPut(128, 0, "k", "p0-41", 0, 100)
                            : RegisterOp.put(128, 0, "k", "p0-41", 0, 100),
                    RegisterOp.get(110, 2, "k", "p0-41", 60, 61),
                    RegisterOp.put(116, 2, "k", "p2-50", 70, 80),
                    RegisterOp.get(142, 1, "k", "p0-41", 110, 111));
            assertThat(LinearizabilityChecker.check(ops).ok())
                    .as("may repeat: %s", mayRepeat)
                    .isEqualTo(mayRepeat);
        }
    }

    @Test
    void aRetriedPutTakesNoEffectAfterItsAnswer() {
        // The repeat would have to land after the put was answered and another put overwrote it.
        List<RegisterOp> ops = List.of(
                RegisterOp.retriedPut(1, 0, "k", "a", 0, 10),
                RegisterOp.put(2, 1, "k", "b", 20, 30),
                RegisterOp.get(3, 2, "k", "a", 40, 50));
        assertThat(LinearizabilityChecker.check(ops).ok()).isFalse();
    }

    @Test
    void onlyAPutMayRepeat() {
        assertThatThrownBy(() -> new RegisterOp(1, 0, RegisterOp.Kind.GET, "k", "a", 0, 1, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only a put may repeat");
    }

    /**
     * Minutes of a register workload on a few keys: tens of thousands of operations on one key, three
     * clients overlapping, some puts of unknown outcome. The search goes as deep as the history is
     * long; it used to recurse once per level and overflowed the stack (CI, TxnSplitClusterCompatTest).
     */
    @Test
    void aHistoryOfTensOfThousandsOfOperationsOnOneKeyIsChecked() {
        List<RegisterOp> ops = new ArrayList<>();
        Random random = new Random(7);
        String current = null;
        long time = 0;
        for (int i = 0; i < 30_000; i++) {
            long effect = time + 1;
            boolean unknown = random.nextInt(50) == 0;
            long complete = unknown ? RegisterOp.UNKNOWN : effect + random.nextInt(3);
            if (random.nextBoolean()) {
                current = "v" + i;
                ops.add(RegisterOp.put(i, i % 3, "k", current, time, complete));
            } else if (!unknown) {
                ops.add(RegisterOp.get(i, i % 3, "k", current, time, complete));
            }
            time = effect + 1;
        }
        assertThat(LinearizabilityChecker.check(ops).ok()).isTrue();

        RegisterOp firstPut = ops.stream()
                .filter(op -> op.kind() == RegisterOp.Kind.PUT && op.isKnown())
                .findFirst()
                .orElseThrow();
        List<RegisterOp> stale = new ArrayList<>(ops);
        stale.add(RegisterOp.get(1_000_000, 9, "k", firstPut.value(), time + 10, time + 11));
        LinearizabilityChecker.Result result = LinearizabilityChecker.check(stale);
        assertThat(result.ok()).isFalse();
        assertThat(result.message()).contains("not linearizable");
    }
}
