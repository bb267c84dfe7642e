package io.tinykv.testkit.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class TxnRunTest {

    @Test
    void recordsReadResultsAndCommits() {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnRun run =
                new TxnRun(store, new TxnPlan(List.of(new MicroOp.Append("x", 1), MicroOp.Read.unknown("x")), false));
        run.runToEnd();

        assertThat(run.outcome()).isEqualTo(Outcome.OK);
        assertThat(run.completedOps()).containsExactly(new MicroOp.Append("x", 1), new MicroOp.Read("x", List.of(1L)));
        assertThatThrownBy(run::step).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void abortAtEndFails() {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnRun run = new TxnRun(store, new TxnPlan(List.of(new MicroOp.Append("x", 1)), true));
        run.runToEnd();

        assertThat(run.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(new TxnRun(store, new TxnPlan(List.of(MicroOp.Read.unknown("x")), false)))
                .satisfies(TxnRun::runToEnd)
                .extracting(TxnRun::completedOps)
                .isEqualTo(List.of(new MicroOp.Read("x", List.of())));
    }

    @Test
    void transferMovesMoneyOrAbortsOnInsufficientFunds() throws TxnFailedException {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnSession init = store.begin();
        init.write("a", List.of(10L));
        init.write("b", List.of(0L));
        init.commit();

        TxnRun ok = new TxnRun(store, new TxnPlan(List.of(new MicroOp.Transfer("a", "b", 7)), false));
        ok.runToEnd();
        TxnRun tooMuch = new TxnRun(store, new TxnPlan(List.of(new MicroOp.Transfer("a", "b", 7)), false));
        tooMuch.runToEnd();

        assertThat(ok.outcome()).isEqualTo(Outcome.OK);
        assertThat(ok.completedOps())
                .containsExactly(
                        new MicroOp.BalanceRead("a", 10L),
                        new MicroOp.BalanceRead("b", 0L),
                        new MicroOp.Transfer("a", "b", 7));
        assertThat(tooMuch.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(store.begin().read("a")).containsExactly(3L);
        assertThat(store.begin().read("b")).containsExactly(7L);
    }

    @Test
    void failedStepEndsTheTransactionWithItsOutcome() {
        TxnExecutor unreachable = () -> {
            throw new TxnFailedException(Outcome.INFO, "timed out");
        };
        TxnRun run = new TxnRun(unreachable, new TxnPlan(List.of(new MicroOp.Append("x", 1)), false));
        run.runToEnd();

        assertThat(run.outcome()).isEqualTo(Outcome.INFO);
        assertThat(run.completedOps()).containsExactly(new MicroOp.Append("x", 1));
        assertThatThrownBy(() -> new TxnFailedException(Outcome.OK, "no")).isInstanceOf(IllegalArgumentException.class);
    }
}
