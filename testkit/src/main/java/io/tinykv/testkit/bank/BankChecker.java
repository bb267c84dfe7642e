package io.tinykv.testkit.bank;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks bank histories: every committed read-only transaction that read all accounts must sum to
 * the constant total (under snapshot isolation it saw one consistent snapshot), and, unless allowed,
 * no committed read may see a negative balance. Transactions that did not commit are ignored: their
 * reads are not known to come from a snapshot.
 */
public final class BankChecker {

    private final Set<String> accounts;
    private final long expectedTotal;
    private final boolean negativeBalancesAllowed;

    public BankChecker(List<String> accounts, long expectedTotal, boolean negativeBalancesAllowed) {
        this.accounts = Set.copyOf(accounts);
        if (this.accounts.size() != accounts.size()) {
            throw new IllegalArgumentException("accounts listed twice in " + accounts);
        }
        this.expectedTotal = expectedTotal;
        this.negativeBalancesAllowed = negativeBalancesAllowed;
    }

    /**
     * Checks a history, e.g. {@code History.operations()}.
     *
     * @throws IllegalArgumentException if a committed transaction lacks a read result or holds
     *     list-append micro-ops
     */
    public CheckResult check(List<Operation> history) {
        List<Anomaly> anomalies = new ArrayList<>();
        for (Operation op : history) {
            if (op.isOk()) {
                checkCommitted(op, anomalies);
            }
        }
        return new CheckResult(anomalies, List.of());
    }

    private void checkCommitted(Operation op, List<Anomaly> anomalies) {
        long sum = 0;
        boolean readOnly = true;
        Set<String> read = new HashSet<>();
        for (MicroOp micro : op.ops()) {
            switch (micro) {
                case MicroOp.BalanceRead b -> {
                    if (!b.known()) {
                        throw new IllegalArgumentException(
                                "committed " + op.name() + " has a read without its result: " + b.describe());
                    }
                    if (b.balance() < 0 && !negativeBalancesAllowed) {
                        anomalies.add(Anomaly.of(
                                AnomalyType.NEGATIVE_BALANCE,
                                List.of(op.id()),
                                b.key() + " read as " + b.balance() + " in " + op.describe()));
                    }
                    if (read.add(b.key())) {
                        sum += b.balance();
                    }
                }
                case MicroOp.Transfer t -> readOnly = false;
                case MicroOp.Append a -> throw notBank(op, micro);
                case MicroOp.Read r -> throw notBank(op, micro);
            }
        }
        if (readOnly && read.equals(accounts) && sum != expectedTotal) {
            anomalies.add(Anomaly.of(
                    AnomalyType.WRONG_TOTAL,
                    List.of(op.id()),
                    "snapshot read sums to " + sum + ", expected " + expectedTotal + ": " + op.describe()));
        }
    }

    private static IllegalArgumentException notBank(Operation op, MicroOp micro) {
        return new IllegalArgumentException(
                op.name() + " has '" + micro.describe() + "', which is not a bank micro-op");
    }
}
