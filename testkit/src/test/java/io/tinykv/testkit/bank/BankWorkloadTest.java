package io.tinykv.testkit.bank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.txn.InMemorySnapshotStore;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnPlan;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BankWorkloadTest {

    private final BankWorkload workload = new BankWorkload(new BankWorkload.Config(4, 50, 10, 0.5));

    @Test
    void initializeWritesEveryAccount() throws TxnFailedException {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        workload.initialize(store);

        assertThat(workload.total()).isEqualTo(200);
        for (String account : workload.accounts()) {
            assertThat(store.begin().read(account)).containsExactly(50L);
        }
    }

    @Test
    void plansAreSnapshotReadsOrTransfersBetweenDistinctAccounts() {
        SplittableRandom random = new SplittableRandom(9);
        int snapshots = 0;
        for (int i = 0; i < 500; i++) {
            TxnPlan plan = workload.next(random);
            if (plan.ops().getFirst() instanceof MicroOp.Transfer t) {
                assertThat(plan.ops()).hasSize(1);
                assertThat(t.amount()).isBetween(1L, 10L);
                assertThat(workload.accounts()).contains(t.from(), t.to());
            } else {
                snapshots++;
                assertThat(plan.ops())
                        .extracting(op -> ((MicroOp.BalanceRead) op).key())
                        .containsExactlyElementsOf(workload.accounts());
            }
        }
        assertThat(snapshots).isBetween(1, 499);
    }

    @Test
    void rejectsBadConfiguration() {
        assertThatThrownBy(() -> new BankWorkload.Config(1, 50, 10, 0.5)).hasMessageContaining("two accounts");
        assertThatThrownBy(() -> new BankWorkload.Config(2, 50, 0, 0.5)).hasMessageContaining("maxTransferAmount");
        assertThatThrownBy(() -> new BankWorkload.Config(2, Long.MAX_VALUE, 1, 0.5))
                .hasMessageContaining("does not fit");
    }
}
