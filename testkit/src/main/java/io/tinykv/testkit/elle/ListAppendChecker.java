package io.tinykv.testkit.elle;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.CheckResult;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elle-style checker of list-append histories for snapshot isolation: infers per-key version orders
 * from reads, builds the ww/wr/rw (and optionally real-time) dependency graph between transactions
 * and searches it for G0, G1c and G-single cycles; checks reads directly for G1a, G1b, garbage and
 * duplicates; and reports lost updates. G2 cycles are allowed under SI and only reported as such.
 *
 * <p>Committed (OK) transactions are nodes; unknown-outcome (INFO) transactions count as possibly
 * committed: their appends may be read (no G1a), and they join the graph only when observed.
 */
public final class ListAppendChecker {

    private static final Logger LOG = LoggerFactory.getLogger(ListAppendChecker.class);

    private final boolean realtime;

    private ListAppendChecker(boolean realtime) {
        this.realtime = realtime;
    }

    /** Checks snapshot isolation: no real-time constraints. */
    public static ListAppendChecker snapshotIsolation() {
        return new ListAppendChecker(false);
    }

    /**
     * Checks strong snapshot isolation: also a transaction that completed before another was invoked
     * must be ordered before it (cycles through such edges get a {@code -realtime} suffix).
     */
    public static ListAppendChecker strongSnapshotIsolation() {
        return new ListAppendChecker(true);
    }

    /**
     * Checks a history, e.g. {@code History.operations()}.
     *
     * @throws IllegalArgumentException if the history is malformed (repeated ids, a committed
     *     transaction without its read results, or bank micro-ops)
     */
    public CheckResult check(List<Operation> history) {
        validate(history);
        List<Anomaly> anomalies = new ArrayList<>();
        List<Anomaly> allowed = new ArrayList<>();
        AppendIndex index = AppendIndex.build(history, anomalies);
        ReadChecks.check(history, index, anomalies);
        LostUpdates.check(history, anomalies);
        Map<String, List<Long>> orders = VersionOrders.infer(history, anomalies);
        DependencyGraph graph = GraphBuilder.build(history, index, orders, realtime);
        CycleClassifier.classify(graph, realtime, anomalies, allowed);
        LOG.debug(
                "checked {} operations: {} graph nodes, {} edges, {} anomalies, {} allowed cycles",
                history.size(),
                graph.size(),
                graph.edgeCount(),
                anomalies.size(),
                allowed.size());
        return new CheckResult(anomalies, allowed);
    }

    private static void validate(List<Operation> history) {
        Set<Integer> ids = new HashSet<>();
        for (Operation op : history) {
            if (!ids.add(op.id())) {
                throw new IllegalArgumentException("operation id " + op.id() + " appears twice in the history");
            }
            for (MicroOp micro : op.ops()) {
                switch (micro) {
                    case MicroOp.Append a -> {}
                    case MicroOp.Read r -> {
                        if (op.isOk() && !r.known()) {
                            throw new IllegalArgumentException(
                                    "committed " + op.name() + " has a read without its result: " + r.describe());
                        }
                    }
                    case MicroOp.BalanceRead b -> throw notListAppend(op, micro);
                    case MicroOp.Transfer t -> throw notListAppend(op, micro);
                }
            }
        }
    }

    private static IllegalArgumentException notListAppend(Operation op, MicroOp micro) {
        return new IllegalArgumentException(
                op.name() + " has '" + micro.describe() + "', which is not a list-append micro-op");
    }
}
