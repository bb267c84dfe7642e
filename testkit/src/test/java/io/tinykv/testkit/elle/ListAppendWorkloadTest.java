package io.tinykv.testkit.elle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.txn.TxnPlan;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ListAppendWorkloadTest {

    @Test
    void appendsAreUniqueAndKeysRotate() {
        ListAppendWorkload.Config config = new ListAppendWorkload.Config(3, 4, 5, 0.3, 0.25);
        ListAppendWorkload workload = new ListAppendWorkload(config);
        SplittableRandom random = new SplittableRandom(42);
        Set<Long> values = new HashSet<>();
        Map<String, Integer> appendsPerKey = new HashMap<>();
        int aborting = 0;
        for (int i = 0; i < 1000; i++) {
            TxnPlan plan = workload.next(random);
            assertThat(plan.ops()).hasSizeBetween(1, config.maxOpsPerTransaction());
            aborting += plan.abortAtEnd() ? 1 : 0;
            for (MicroOp op : plan.ops()) {
                if (op instanceof MicroOp.Append a) {
                    assertThat(values.add(a.value()))
                            .as("value %d repeated", a.value())
                            .isTrue();
                    appendsPerKey.merge(a.key(), 1, Integer::sum);
                }
            }
        }
        assertThat(appendsPerKey.values())
                .allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(config.maxAppendsPerKey()));
        assertThat(appendsPerKey.size()).isGreaterThan(config.activeKeys());
        assertThat(aborting).isBetween(1, 999);
    }

    @Test
    void rejectsBadConfiguration() {
        assertThatThrownBy(() -> new ListAppendWorkload.Config(0, 4, 5, 0.5, 0)).hasMessageContaining("activeKeys");
        assertThatThrownBy(() -> new ListAppendWorkload.Config(1, 4, 5, 1.5, 0))
                .hasMessageContaining("readProbability");
    }
}
