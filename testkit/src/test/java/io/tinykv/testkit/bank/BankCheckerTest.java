package io.tinykv.testkit.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class BankCheckerTest {

    private static final List<String> ACCOUNTS = List.of("a", "b");
    private static final BankChecker CHECKER = new BankChecker(ACCOUNTS, 100, false);

    private static Operation op(int id, Outcome outcome, MicroOp... ops) {
        return new Operation(id, id, id * 2L, id * 2L + 1, outcome, List.of(ops));
    }

    private static MicroOp read(String account, long balance) {
        return new MicroOp.BalanceRead(account, balance);
    }

    @Test
    void consistentSnapshotsPass() {
        CheckResult result = CHECKER.check(List.of(
                op(0, Outcome.OK, read("a", 50), read("b", 50)),
                op(1, Outcome.OK, read("a", 50), read("b", 50), new MicroOp.Transfer("a", "b", 10)),
                op(2, Outcome.OK, read("a", 40), read("b", 60))));

        assertThat(result.valid()).as(result.report()).isTrue();
    }

    @Test
    void wrongTotalNamesTheRead() {
        CheckResult result = CHECKER.check(List.of(op(0, Outcome.OK, read("a", 40), read("b", 50))));

        assertThat(result.types()).containsExactly(AnomalyType.WRONG_TOTAL);
        assertThat(result.anomalies().getFirst().transactionIds()).containsExactly(0);
        assertThat(result.anomalies().getFirst().explanation())
                .contains("sums to 90, expected 100")
                .contains("T0");
    }

    @Test
    void negativeBalanceIsReportedUnlessAllowed() {
        List<Operation> history = List.of(op(0, Outcome.OK, read("a", -10), read("b", 110)));

        assertThat(CHECKER.check(history).types()).containsExactly(AnomalyType.NEGATIVE_BALANCE);
        assertThat(new BankChecker(ACCOUNTS, 100, true).check(history).valid()).isTrue();
    }

    @Test
    void uncommittedAndPartialReadsAreNotSnapshots() {
        CheckResult result = CHECKER.check(List.of(
                op(0, Outcome.INFO, read("a", 1), read("b", 2)),
                op(1, Outcome.FAIL, read("a", 1), read("b", 2)),
                op(2, Outcome.OK, read("a", 1))));

        assertThat(result.valid()).as(result.report()).isTrue();
    }

    @Test
    void malformedHistoriesAreRefusedWithAClearError() {
        assertThatThrownBy(() -> CHECKER.check(List.of(op(0, Outcome.OK, MicroOp.BalanceRead.unknown("a")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without its result");
        assertThatThrownBy(() -> CHECKER.check(List.of(op(0, Outcome.OK, new MicroOp.Append("a", 1)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a bank micro-op");
    }
}
