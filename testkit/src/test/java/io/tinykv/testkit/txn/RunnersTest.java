package io.tinykv.testkit.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.elle.ListAppendWorkload;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RunnersTest {

    private static List<Operation> interleaved(long seed) {
        History history = new History();
        new InterleavingRunner(
                        InMemorySnapshotStore.correct(),
                        new ListAppendWorkload(ListAppendWorkload.Config.defaults()),
                        history,
                        4)
                .run(100, new SplittableRandom(seed));
        return history.operations();
    }

    @Test
    void interleavedRunsAreReproducibleFromTheSeed() {
        assertThat(interleaved(3)).isEqualTo(interleaved(3)).isNotEqualTo(interleaved(4));
    }

    @Test
    void interleavedRunCompletesEveryTransactionAndOverlapsThem() {
        List<Operation> ops = interleaved(5);

        assertThat(ops)
                .hasSize(100)
                .allSatisfy(op -> assertThat(op.completeTime()).isLessThan(Operation.NEVER_COMPLETED));
        assertThat(ops).extracting(Operation::outcome).contains(Outcome.OK, Outcome.FAIL);
        boolean overlapping = false;
        for (int i = 1; i < ops.size(); i++) {
            overlapping |= ops.get(i).invokeTime() < ops.get(i - 1).completeTime();
        }
        assertThat(overlapping)
                .as("transactions of different processes overlap in time")
                .isTrue();
    }

    @Test
    void concurrentRunRecordsEveryTransaction() throws InterruptedException {
        History history = new History();
        AtomicLong clock = new AtomicLong();
        new ConcurrentRunner(
                        InMemorySnapshotStore.correct(),
                        new ListAppendWorkload(ListAppendWorkload.Config.defaults()),
                        history,
                        Thread.ofPlatform().factory(),
                        clock::incrementAndGet)
                .run(3, 50, 1);

        assertThat(history.operations())
                .hasSize(150)
                .extracting(Operation::process)
                .containsOnly(0, 1, 2);
    }

    @Test
    void concurrentRunRethrowsAWorkerFailure() {
        TxnExecutor broken = () -> {
            throw new UnsupportedOperationException("driver bug");
        };
        AtomicLong clock = new AtomicLong();
        ConcurrentRunner runner = new ConcurrentRunner(
                broken,
                new ListAppendWorkload(ListAppendWorkload.Config.defaults()),
                new History(),
                Thread.ofPlatform().factory(),
                clock::incrementAndGet);

        assertThatThrownBy(() -> runner.run(2, 10, 1))
                .isInstanceOf(IllegalStateException.class)
                .hasRootCauseInstanceOf(UnsupportedOperationException.class);
    }
}
