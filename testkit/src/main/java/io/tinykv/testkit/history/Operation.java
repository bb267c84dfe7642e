package io.tinykv.testkit.history;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One transaction in a history: who ran it, when it was invoked and completed (caller-supplied
 * logical times or nanoTimes, compared only with each other), how it ended and its micro-ops (with
 * read results when known).
 *
 * @param completeTime {@link #NEVER_COMPLETED} when the operation has not completed (its outcome is
 *     then {@link Outcome#INFO})
 */
public record Operation(int id, int process, long invokeTime, long completeTime, Outcome outcome, List<MicroOp> ops) {

    /** Completion time of an operation that never completed: later than every real time. */
    public static final long NEVER_COMPLETED = Long.MAX_VALUE;

    public Operation {
        Objects.requireNonNull(outcome, "outcome");
        ops = List.copyOf(ops);
        if (completeTime < invokeTime) {
            throw new IllegalArgumentException(
                    "operation " + id + " completes at " + completeTime + " before its invocation at " + invokeTime);
        }
    }

    public boolean isOk() {
        return outcome == Outcome.OK;
    }

    public boolean isFailed() {
        return outcome == Outcome.FAIL;
    }

    public boolean isInfo() {
        return outcome == Outcome.INFO;
    }

    /** Short name used in reports, e.g. {@code T12}. */
    public String name() {
        return "T" + id;
    }

    /** E.g. {@code T12 (process 3, ok): [r x [1 2], a x 3]}. */
    public String describe() {
        List<String> parts = new ArrayList<>(ops.size());
        for (MicroOp op : ops) {
            parts.add(op.describe());
        }
        return name() + " (process " + process + ", " + outcome.name().toLowerCase(java.util.Locale.ROOT) + "): ["
                + String.join(", ", parts) + "]";
    }
}
