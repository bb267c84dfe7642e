package io.tinykv.testkit.history;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Thread-safe recorder of transactions as invoke/complete pairs. Any number of worker threads may
 * record concurrently; times are supplied by the caller (a logical counter or nanoTime), there is no
 * clock in here. As in Jepsen, a process runs one operation at a time.
 */
public final class History {

    private final List<Operation> operations = new ArrayList<>();
    private final Map<Integer, Integer> outstandingByProcess = new HashMap<>();

    /**
     * Records the invocation of a transaction and returns its id, to be passed to {@link #complete}.
     *
     * @param ops the planned micro-ops (read results unknown)
     */
    public synchronized int invoke(int process, long invokeTime, List<MicroOp> ops) {
        Objects.requireNonNull(ops, "ops");
        Integer outstanding = outstandingByProcess.get(process);
        if (outstanding != null) {
            throw new IllegalStateException(
                    "process " + process + " invokes while operation " + outstanding + " is still outstanding");
        }
        int id = operations.size();
        operations.add(new Operation(id, process, invokeTime, Operation.NEVER_COMPLETED, Outcome.INFO, ops));
        outstandingByProcess.put(process, id);
        return id;
    }

    /**
     * Records the completion of operation {@code id}.
     *
     * @param ops the micro-ops as executed, with read results when the outcome is OK
     */
    public synchronized void complete(int id, long completeTime, Outcome outcome, List<MicroOp> ops) {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(ops, "ops");
        if (id < 0 || id >= operations.size()) {
            throw new IllegalArgumentException("no operation with id " + id + " was invoked");
        }
        Operation invoked = operations.get(id);
        Integer outstanding = outstandingByProcess.get(invoked.process());
        if (outstanding == null || outstanding != id) {
            throw new IllegalStateException("operation " + id + " is already complete");
        }
        if (outcome == Outcome.OK) {
            requireKnownReads(id, ops);
        }
        operations.set(id, new Operation(id, invoked.process(), invoked.invokeTime(), completeTime, outcome, ops));
        outstandingByProcess.remove(invoked.process());
    }

    /**
     * A snapshot of every operation so far, in invocation order; operations still outstanding appear
     * with outcome INFO, since they may yet take effect.
     */
    public synchronized List<Operation> operations() {
        return List.copyOf(operations);
    }

    public synchronized int size() {
        return operations.size();
    }

    // A committed transaction without its read results cannot be checked: that is a driver bug.
    private static void requireKnownReads(int id, List<MicroOp> ops) {
        for (MicroOp op : ops) {
            boolean unknown = switch (op) {
                case MicroOp.Read r -> !r.known();
                case MicroOp.BalanceRead b -> !b.known();
                case MicroOp.Append a -> false;
                case MicroOp.Transfer t -> false;
            };
            if (unknown) {
                throw new IllegalArgumentException(
                        "operation " + id + " completed OK but its read '" + op.describe() + "' has no result");
            }
        }
    }
}
