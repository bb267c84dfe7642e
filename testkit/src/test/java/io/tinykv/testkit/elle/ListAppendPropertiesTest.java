package io.tinykv.testkit.elle;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.History;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.txn.InMemorySnapshotStore;
import io.tinykv.testkit.txn.InterleavingRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Properties of the checker over histories of the reference store. */
class ListAppendPropertiesTest {

    private static final int TRANSACTIONS = 150;

    private static List<Operation> run(long seed, int processes) {
        History history = new History();
        ListAppendWorkload workload =
                new ListAppendWorkload(ListAppendWorkload.Config.defaults().withAbortProbability(0.1));
        new InterleavingRunner(InMemorySnapshotStore.correct(), workload, history, processes)
                .run(TRANSACTIONS, new SplittableRandom(seed));
        return history.operations();
    }

    @Property(tries = 25)
    void serialHistoriesAreSerializable(@ForAll long seed) {
        CheckResult result = ListAppendChecker.strongSnapshotIsolation().check(run(seed, 1));

        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.allowed()).as("a serial history has no cycles at all").isEmpty();
    }

    @Property(tries = 25)
    void concurrentHistoriesOfTheCorrectStorePass(
            @ForAll long seed, @ForAll @IntRange(min = 2, max = 10) int processes) {
        CheckResult result = ListAppendChecker.strongSnapshotIsolation().check(run(seed, processes));

        assertThat(result.valid()).as(result.report()).isTrue();
    }

    @Property(tries = 25)
    void aCorruptedReadIsAlwaysFound(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int processes) {
        List<Operation> history = new ArrayList<>(run(seed, processes));
        // Corrupt the first committed read: append a value nobody wrote.
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            int readAt = firstRead(op);
            if (op.isOk() && readAt >= 0) {
                List<MicroOp> ops = new ArrayList<>(op.ops());
                MicroOp.Read read = (MicroOp.Read) ops.get(readAt);
                List<Long> values = new ArrayList<>(read.values());
                values.add(-1L);
                ops.set(readAt, new MicroOp.Read(read.key(), values));
                history.set(
                        i, new Operation(op.id(), op.process(), op.invokeTime(), op.completeTime(), op.outcome(), ops));
                break;
            }
        }

        CheckResult result = ListAppendChecker.snapshotIsolation().check(history);

        assertThat(result.types()).as(result.report()).contains(AnomalyType.GARBAGE_READ);
    }

    private static int firstRead(Operation op) {
        for (int i = 0; i < op.ops().size(); i++) {
            if (op.ops().get(i) instanceof MicroOp.Read) {
                return i;
            }
        }
        return -1;
    }
}
