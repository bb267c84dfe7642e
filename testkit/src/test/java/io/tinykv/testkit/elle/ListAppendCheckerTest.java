package io.tinykv.testkit.elle;

import static io.tinykv.testkit.elle.Txns.a;
import static io.tinykv.testkit.elle.Txns.r;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-built histories, one per anomaly class, and the histories that must pass. */
class ListAppendCheckerTest {

    private static CheckResult si(Txns txns) {
        return ListAppendChecker.snapshotIsolation().check(txns.history());
    }

    private static Anomaly only(CheckResult result, AnomalyType type) {
        return result.anomalies().stream()
                .filter(x -> x.type() == type)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + result.report()));
    }

    @Test
    void g0WriteCycle() {
        CheckResult result =
                si(new Txns().ok(a("x", 1), a("y", 1)).ok(a("x", 2), a("y", 2)).ok(r("x", 1, 2), r("y", 2, 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.G0));
        Anomaly g0 = only(result, AnomalyType.G0);
        assertThat(g0.transactionIds()).containsExactlyInAnyOrder(0, 1);
        assertThat(g0.explanation()).contains("-ww(x)->").contains("-ww(y)->");
    }

    @Test
    void g1aAbortedRead() {
        CheckResult result = si(new Txns().fail(a("x", 1)).ok(r("x", 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.G1A));
        assertThat(only(result, AnomalyType.G1A).transactionIds()).containsExactly(0, 1);
    }

    @Test
    void g1bIntermediateRead() {
        CheckResult result = si(new Txns().ok(a("x", 1), a("x", 2)).ok(r("x", 1)));

        // Seeing 1 without 2 also makes T0 -wr-> T1 -rw-> T0, a G-single; the read itself is G1b.
        assertThat(result.has(AnomalyType.G1B)).as(result.report()).isTrue();
        assertThat(only(result, AnomalyType.G1B).transactionIds()).containsExactly(0, 1);
        assertThat(result.types()).isSubsetOf(AnomalyType.G1B, AnomalyType.G_SINGLE);
    }

    @Test
    void g1cCircularInformationFlow() {
        CheckResult result = si(new Txns().ok(a("x", 1), r("y", 1)).ok(a("y", 1), r("x", 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.G1C));
        assertThat(only(result, AnomalyType.G1C).explanation())
                .contains("-wr(x)->")
                .contains("-wr(y)->");
    }

    @Test
    void gSingleReadSkew() {
        CheckResult result =
                si(new Txns().ok(a("x", 1), a("y", 1)).ok(r("x"), r("y", 1)).ok(r("x", 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.G_SINGLE));
        Anomaly gSingle = only(result, AnomalyType.G_SINGLE);
        assertThat(gSingle.realtime()).isFalse();
        assertThat(gSingle.transactionIds()).containsExactlyInAnyOrder(0, 1);
        assertThat(gSingle.explanation()).contains("T1 -rw(x)-> T0 -wr(y)-> T1");
    }

    @Test
    void lostUpdate() {
        CheckResult result =
                si(new Txns().ok(a("x", 1)).ok(r("x", 1), a("x", 2)).ok(r("x", 1), a("x", 3)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.LOST_UPDATE));
        assertThat(only(result, AnomalyType.LOST_UPDATE).transactionIds()).containsExactly(1, 2);
        // Each missed the other's append: two anti-dependencies, which alone SI would allow.
        assertThat(result.allowed()).extracting(Anomaly::type).containsExactly(AnomalyType.G2);
    }

    @Test
    void incompatibleOrder() {
        CheckResult result =
                si(new Txns().ok(a("x", 1)).ok(a("x", 2)).ok(r("x", 1, 2)).ok(r("x", 2, 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.INCOMPATIBLE_ORDER));
        assertThat(only(result, AnomalyType.INCOMPATIBLE_ORDER).explanation())
                .contains("[2 1]")
                .contains("[1 2]")
                .contains("differ at position 0: 2 vs 1");
    }

    @Test
    void garbageRead() {
        CheckResult result = si(new Txns().ok(a("x", 1)).ok(r("x", 1, 99)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.GARBAGE_READ));
        assertThat(only(result, AnomalyType.GARBAGE_READ).explanation()).contains("[99]");
    }

    @Test
    void duplicateElementsInARead() {
        CheckResult result = si(new Txns().ok(a("x", 1)).ok(r("x", 1, 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.DUPLICATE_ELEMENTS));
    }

    @Test
    void duplicateAppendIsReported() {
        CheckResult result = si(new Txns().ok(a("x", 1)).ok(a("x", 1)));

        assertThat(result.types()).as(result.report()).isEqualTo(EnumSet.of(AnomalyType.DUPLICATE_APPEND));
        assertThat(only(result, AnomalyType.DUPLICATE_APPEND).transactionIds()).containsExactly(0, 1);
    }

    @Test
    void writeSkewIsAllowedUnderSnapshotIsolation() {
        CheckResult result = si(new Txns()
                .ok(a("x", 1), a("y", 1))
                .ok(r("x", 1), r("y", 1), a("x", 2))
                .ok(r("x", 1), r("y", 1), a("y", 2))
                .ok(r("x", 1, 2), r("y", 1, 2)));

        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.allowed()).hasSize(1);
        Anomaly g2 = result.allowed().getFirst();
        assertThat(g2.type()).isEqualTo(AnomalyType.G2);
        assertThat(g2.explanation()).contains("-rw(x)->").contains("-rw(y)->");
    }

    @Test
    void serialHistoryPasses() {
        CheckResult result = si(new Txns()
                .ok(a("x", 1), r("x", 1))
                .ok(r("x", 1), a("x", 2), a("y", 3))
                .ok(r("y", 3), r("x", 1, 2), a("y", 4))
                .ok(r("y", 3, 4), r("z")));

        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.allowed()).isEmpty();
    }

    @Test
    void observedInfoAppendIsNotAnAbortedRead() {
        CheckResult result = si(new Txns().info(a("x", 1)).ok(r("x", 1)));

        assertThat(result.valid()).as(result.report()).isTrue();
    }

    @Test
    void unobservedInfoAppendConstrainsNothing() {
        // Had T0 committed, T1 -rw-> T0 and T0 -wr-> ... nothing; but were it OK and T1 then read y
        // written by T0, it would be a cycle. As info and unobserved, it is simply left out.
        CheckResult result = si(new Txns().info(a("x", 1), a("y", 2)).ok(r("x"), r("y")));

        assertThat(result.valid()).as(result.report()).isTrue();
        assertThat(result.allowed()).isEmpty();
    }

    @Test
    void observedInfoTransactionTakesPartInCycles() {
        CheckResult result = si(new Txns().info(a("x", 1), a("y", 1)).ok(r("x"), r("y", 1)));

        assertThat(result.types()).as(result.report()).contains(AnomalyType.G_SINGLE);
    }

    @Test
    void staleReadIsOnlyAViolationOfStrongSnapshotIsolation() {
        Txns txns = new Txns().at(1, 2, a("x", 1)).at(3, 4, r("x"));

        CheckResult plain = ListAppendChecker.snapshotIsolation().check(txns.history());
        CheckResult strong = ListAppendChecker.strongSnapshotIsolation().check(txns.history());

        assertThat(plain.valid()).as(plain.report()).isTrue();
        assertThat(strong.types()).as(strong.report()).isEqualTo(EnumSet.of(AnomalyType.G_SINGLE));
        Anomaly anomaly = only(strong, AnomalyType.G_SINGLE);
        assertThat(anomaly.realtime()).isTrue();
        assertThat(anomaly.name()).isEqualTo("G-single-realtime");
        assertThat(anomaly.explanation()).contains("-rt->");
    }

    @Test
    void concurrentTransactionsHaveNoRealtimeOrder() {
        Txns txns = new Txns().at(1, 4, a("x", 1)).at(2, 3, r("x"));

        CheckResult strong = ListAppendChecker.strongSnapshotIsolation().check(txns.history());

        assertThat(strong.valid()).as(strong.report()).isTrue();
    }

    @Test
    void malformedHistoriesAreRefusedWithAClearError() {
        List<Operation> unknownRead =
                List.of(new Operation(0, 0, 1, 2, Outcome.OK, List.of(MicroOp.Read.unknown("x"))));
        List<Operation> repeatedId = List.of(
                new Operation(0, 0, 1, 2, Outcome.OK, List.of(a("x", 1))),
                new Operation(0, 1, 3, 4, Outcome.OK, List.of(a("x", 2))));
        List<Operation> bankOp =
                List.of(new Operation(0, 0, 1, 2, Outcome.OK, List.of(new MicroOp.BalanceRead("a", 1L))));
        ListAppendChecker checker = ListAppendChecker.snapshotIsolation();

        assertThatThrownBy(() -> checker.check(unknownRead))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("T0 has a read without its result");
        assertThatThrownBy(() -> checker.check(repeatedId)).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> checker.check(bankOp)).hasMessageContaining("not a list-append micro-op");
    }
}
