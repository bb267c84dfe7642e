package io.tinykv.testkit.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistoryTest {

    private static final List<MicroOp> PLAN = List.of(new MicroOp.Append("x", 1), MicroOp.Read.unknown("x"));
    private static final List<MicroOp> DONE = List.of(new MicroOp.Append("x", 1), new MicroOp.Read("x", List.of(1L)));

    @Test
    void recordsInvocationAndCompletion() {
        History history = new History();
        int id = history.invoke(7, 10, PLAN);
        history.complete(id, 12, Outcome.OK, DONE);

        assertThat(history.operations()).containsExactly(new Operation(id, 7, 10, 12, Outcome.OK, DONE));
        assertThat(history.operations().getFirst().describe()).isEqualTo("T0 (process 7, ok): [a x 1, r x [1]]");
    }

    @Test
    void outstandingOperationsAppearAsInfo() {
        History history = new History();
        history.invoke(1, 5, PLAN);

        Operation op = history.operations().getFirst();
        assertThat(op.outcome()).isEqualTo(Outcome.INFO);
        assertThat(op.completeTime()).isEqualTo(Operation.NEVER_COMPLETED);
    }

    @Test
    void refusesMisuse() {
        History history = new History();
        int id = history.invoke(1, 5, PLAN);

        assertThatThrownBy(() -> history.invoke(1, 6, PLAN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still outstanding");
        assertThatThrownBy(() -> history.complete(id, 7, Outcome.OK, PLAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no result");
        assertThatThrownBy(() -> history.complete(id, 4, Outcome.FAIL, PLAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("before its invocation");
        history.complete(id, 7, Outcome.FAIL, PLAN);
        assertThatThrownBy(() -> history.complete(id, 8, Outcome.FAIL, PLAN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already complete");
        assertThatThrownBy(() -> history.complete(99, 8, Outcome.FAIL, PLAN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no operation with id 99");
    }

    @Test
    void recordsFromManyThreads() throws InterruptedException {
        History history = new History();
        AtomicLong clock = new AtomicLong();
        int threads = 4;
        int perThread = 500;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int process = t;
            workers.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    int id = history.invoke(process, clock.incrementAndGet(), PLAN);
                    history.complete(id, clock.incrementAndGet(), Outcome.OK, DONE);
                }
            }));
        }
        for (Thread w : workers) {
            w.join();
        }

        List<Operation> ops = history.operations();
        assertThat(ops).hasSize(threads * perThread);
        for (int i = 0; i < ops.size(); i++) {
            assertThat(ops.get(i).id()).isEqualTo(i);
            assertThat(ops.get(i).outcome()).isEqualTo(Outcome.OK);
            assertThat(ops.get(i).completeTime()).isGreaterThan(ops.get(i).invokeTime());
        }
    }

    @Test
    void longListsAreAbbreviatedInReports() {
        List<Long> values =
                java.util.stream.LongStream.rangeClosed(1, 100).boxed().toList();

        assertThat(MicroOp.formatList(values)).isEqualTo("[1 2 3 …(+88)… 92 93 94 95 96 97 98 99 100]");
        assertThat(MicroOp.formatList(values.subList(0, MicroOp.MAX_SHOWN_ELEMENTS)))
                .isEqualTo("[1 2 3 4 5 6 7 8 9 10 11 12]");
    }

    @Test
    void microOpsValidateTheirArguments() {
        assertThatThrownBy(() -> new MicroOp.Transfer("a", "a", 1)).hasMessageContaining("to itself");
        assertThatThrownBy(() -> new MicroOp.Transfer("a", "b", 0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new MicroOp.Append(null, 1)).isInstanceOf(NullPointerException.class);
    }
}
