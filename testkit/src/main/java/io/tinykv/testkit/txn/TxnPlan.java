package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.MicroOp;
import java.util.List;

/**
 * A transaction to run, produced by a {@link Workload}: its micro-ops with unknown read results, and
 * whether the client abandons it at the end instead of committing (to give failed transactions
 * whose writes must never be seen).
 */
public record TxnPlan(List<MicroOp> ops, boolean abortAtEnd) {

    public TxnPlan {
        ops = List.copyOf(ops);
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("a transaction plan needs at least one micro-op");
        }
    }
}
