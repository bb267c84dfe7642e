package io.tinykv.server.txnfaults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.server.txnfaults.MarkedTxnExecutor.Attempt;
import io.tinykv.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The final-state checks catch what they are there to catch (no cluster needed). */
class OutcomeChecksTest {

    private static Attempt transfer(long id, Outcome outcome, long fromBefore, long toBefore, long amount) {
        return new Attempt(
                id,
                outcome,
                Map.of("a", List.of(fromBefore), "b", List.of(toBefore)),
                Map.of("a", List.of(fromBefore - amount), "b", List.of(toBefore + amount)),
                "");
    }

    private static FinalRead read(Map<String, List<Long>> values, Set<Long> markers) {
        return new FinalRead(values, markers, 0, 1);
    }

    @Test
    void aReportedCommitWithoutItsMarkerIsALostCommit() {
        List<String> problems = new ArrayList<>();
        OutcomeChecks.MarkerTally tally =
                OutcomeChecks.markers(List.of(transfer(1, Outcome.OK, 10, 10, 5)), read(Map.of(), Set.of()), problems);
        assertThat(problems).singleElement().asString().startsWith("LOST COMMIT: attempt 1");
        assertThat(tally.committed()).isEqualTo(1);
    }

    @Test
    void aReportedAbortWithItsMarkerIsAViolationWhileUnknownOutcomesMayGoEitherWay() {
        List<String> problems = new ArrayList<>();
        OutcomeChecks.MarkerTally tally = OutcomeChecks.markers(
                List.of(
                        transfer(1, Outcome.FAIL, 10, 10, 5),
                        transfer(2, Outcome.INFO, 10, 10, 5),
                        transfer(3, Outcome.INFO, 10, 10, 5)),
                read(Map.of(), Set.of(1L, 2L)),
                problems);
        assertThat(problems).singleElement().asString().startsWith("ABORTED BUT VISIBLE: attempt 1");
        assertThat(tally.unknownCommitted()).isEqualTo(1);
        assertThat(tally.unknownNotCommitted()).isEqualTo(1);
    }

    @Test
    void aMarkerNoTransactionWroteIsReported() {
        List<String> problems = new ArrayList<>();
        OutcomeChecks.markers(List.of(), read(Map.of(), Set.of(7L)), problems);
        assertThat(problems).singleElement().asString().contains("attempt 7");
    }

    @Test
    void bankBalancesFollowExactlyTheVisibleTransfers() {
        Map<String, Long> initial = Map.of("a", 10L, "b", 10L);
        List<Attempt> transfers = List.of(transfer(1, Outcome.OK, 10, 10, 3), transfer(2, Outcome.INFO, 7, 13, 2));

        List<String> consistent = new ArrayList<>();
        OutcomeChecks.bankBalances(
                transfers, initial, read(Map.of("a", List.of(5L), "b", List.of(15L)), Set.of(1L, 2L)), 20, consistent);
        assertThat(consistent).isEmpty();

        // A lost update: both transfers visible, but only the first one's effect is in the data.
        List<String> lost = new ArrayList<>();
        OutcomeChecks.bankBalances(
                transfers, initial, read(Map.of("a", List.of(7L), "b", List.of(13L)), Set.of(1L, 2L)), 20, lost);
        assertThat(lost).hasSize(2).allSatisfy(p -> assertThat(p).contains("the committed transfers make it"));

        // Money created: the total is off too.
        List<String> created = new ArrayList<>();
        OutcomeChecks.bankBalances(
                List.of(), initial, read(Map.of("a", List.of(10L), "b", List.of(11L)), Set.of()), 20, created);
        assertThat(created).anySatisfy(p -> assertThat(p).contains("21 in total"));
    }

    @Test
    void finalListsHoldExactlyTheVisibleAppends() {
        List<Attempt> appends = List.of(
                new Attempt(1, Outcome.OK, Map.of("k", List.of()), Map.of("k", List.of(1L)), ""),
                new Attempt(2, Outcome.INFO, Map.of("k", List.of(1L)), Map.of("k", List.of(1L, 2L)), ""),
                new Attempt(3, Outcome.FAIL, Map.of("k", List.of(1L)), Map.of("k", List.of(1L, 3L)), ""));

        List<String> consistent = new ArrayList<>();
        OutcomeChecks.appendedElements(appends, read(Map.of("k", List.of(1L, 2L)), Set.of(1L, 2L)), consistent);
        assertThat(consistent).isEmpty();

        List<String> lostAppend = new ArrayList<>();
        OutcomeChecks.appendedElements(appends, read(Map.of("k", List.of(2L)), Set.of(1L, 2L)), lostAppend);
        assertThat(lostAppend).singleElement().asString().startsWith("LOST APPEND: 1 of committed attempt 1");

        List<String> invisibleWriter = new ArrayList<>();
        OutcomeChecks.appendedElements(appends, read(Map.of("k", List.of(1L, 3L)), Set.of(1L)), invisibleWriter);
        assertThat(invisibleWriter).singleElement().asString().contains("appended by attempt 3");
    }
}
