package io.tinykv.testkit.elle;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who appended what: since appended values are unique per key, a value seen in a read identifies
 * the transaction that wrote it. Built once per check over every operation, whatever its outcome.
 */
final class AppendIndex {

    private final Map<String, Map<Long, Operation>> appenderByKeyAndValue = new LinkedHashMap<>();
    private final Map<Integer, Map<String, List<Long>>> appendsByOperation = new HashMap<>();

    private AppendIndex() {}

    /** Indexes the appends of {@code history}, reporting values appended more than once. */
    static AppendIndex build(List<Operation> history, List<Anomaly> anomalies) {
        AppendIndex index = new AppendIndex();
        for (Operation op : history) {
            for (MicroOp micro : op.ops()) {
                if (micro instanceof MicroOp.Append append) {
                    index.add(op, append, anomalies);
                }
            }
        }
        return index;
    }

    private void add(Operation op, MicroOp.Append append, List<Anomaly> anomalies) {
        Map<Long, Operation> byValue = appenderByKeyAndValue.computeIfAbsent(append.key(), k -> new LinkedHashMap<>());
        Operation earlier = byValue.putIfAbsent(append.value(), op);
        if (earlier != null) {
            // Keep the first appender: uniqueness is the workload's promise, and without it no read can
            // be attributed to a writer, so the duplicate itself is what we report.
            anomalies.add(Anomaly.of(
                    AnomalyType.DUPLICATE_APPEND,
                    List.of(earlier.id(), op.id()),
                    "value " + append.value() + " appended to " + append.key() + " by both " + earlier.describe()
                            + " and " + op.describe()));
            return;
        }
        appendsByOperation
                .computeIfAbsent(op.id(), id -> new LinkedHashMap<>())
                .computeIfAbsent(append.key(), k -> new ArrayList<>())
                .add(append.value());
    }

    /** The transaction that appended {@code value} to {@code key}, if any did. */
    Optional<Operation> appender(String key, long value) {
        Map<Long, Operation> byValue = appenderByKeyAndValue.get(key);
        return Optional.ofNullable(byValue == null ? null : byValue.get(value));
    }

    /** The values {@code op} appended to {@code key}, in its own order. */
    List<Long> appendsOf(Operation op, String key) {
        Map<String, List<Long>> byKey = appendsByOperation.get(op.id());
        if (byKey == null) {
            return List.of();
        }
        return byKey.getOrDefault(key, List.of());
    }

    /** Every appended value of {@code key} with its appender, in history order. */
    Map<Long, Operation> appendsTo(String key) {
        return appenderByKeyAndValue.getOrDefault(key, Map.of());
    }
}
