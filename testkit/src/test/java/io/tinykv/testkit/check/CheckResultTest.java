package io.tinykv.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CheckResultTest {

    @Test
    void reportCountsEveryAnomalyButSpellsOutOnlyTheFirstFew() {
        List<Anomaly> anomalies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            anomalies.add(Anomaly.of(AnomalyType.G1A, List.of(i), "aborted read number " + i));
        }
        anomalies.add(new Anomaly(AnomalyType.G_SINGLE, true, List.of(1, 2), "a cycle"));
        List<Anomaly> allowed = List.of(Anomaly.of(AnomalyType.G2, List.of(3, 4), "write skew"));

        CheckResult result = new CheckResult(anomalies, allowed);
        String report = result.report();

        assertThat(result.valid()).isFalse();
        assertThat(result.types()).containsExactlyInAnyOrder(AnomalyType.G1A, AnomalyType.G_SINGLE);
        assertThat(report).startsWith("INVALID: G1a x20, G-single-realtime x1");
        assertThat(report)
                .contains("aborted read number " + (CheckResult.MAX_EXAMPLES_PER_NAME - 1))
                .doesNotContain("aborted read number " + CheckResult.MAX_EXAMPLES_PER_NAME);
        assertThat(report)
                .contains("G-single-realtime: a cycle")
                .contains("allowed under snapshot isolation: G2 x1")
                .contains("(allowed) G2: write skew");
    }

    @Test
    void emptyResultIsValid() {
        CheckResult result = new CheckResult(List.of(), List.of());

        assertThat(result.valid()).isTrue();
        assertThat(result.report()).isEqualTo("valid");
    }
}
