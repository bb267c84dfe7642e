package io.tinykv.testkit.check;

import java.util.List;
import java.util.Objects;

/**
 * One anomaly found in a history.
 *
 * @param realtime true when the anomaly needs real-time order edges (e.g. {@code G-single-realtime})
 * @param transactionIds the operations involved, by {@link io.tinykv.testkit.history.Operation#id()}
 * @param explanation a readable account: the cycle with its edge kinds, the offending read, ...
 */
public record Anomaly(AnomalyType type, boolean realtime, List<Integer> transactionIds, String explanation) {

    public Anomaly {
        Objects.requireNonNull(type, "type");
        transactionIds = List.copyOf(transactionIds);
        Objects.requireNonNull(explanation, "explanation");
    }

    public static Anomaly of(AnomalyType type, List<Integer> transactionIds, String explanation) {
        return new Anomaly(type, false, transactionIds, explanation);
    }

    /** E.g. {@code G-single} or {@code G-single-realtime}. */
    public String name() {
        return type.displayName() + (realtime ? "-realtime" : "");
    }

    public String describe() {
        return name() + ": " + explanation;
    }
}
