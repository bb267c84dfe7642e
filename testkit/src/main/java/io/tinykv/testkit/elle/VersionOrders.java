package io.tinykv.testkit.elle;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Infers, per key, the order in which appends took effect. Every committed read of a list must be a
 * prefix of the key's final order, so the longest read is the best known prefix of it and every
 * other read must be a prefix of that one; reads that are not prove no order exists
 * (incompatible-order) and the key is left out of the dependency graph.
 */
final class VersionOrders {

    private VersionOrders() {}

    /** A version of a key that some committed transaction read. */
    private record Observation(Operation op, List<Long> values) {
        String describe() {
            return MicroOp.formatList(values) + " read by " + op.describe();
        }
    }

    /** Returns the inferred order of every key whose observations are mutually compatible. */
    static Map<String, List<Long>> infer(List<Operation> history, List<Anomaly> anomalies) {
        Map<String, List<Observation>> observations = collect(history);
        Map<String, List<Long>> orders = new LinkedHashMap<>();
        for (Map.Entry<String, List<Observation>> entry : observations.entrySet()) {
            String key = entry.getKey();
            Observation longest = entry.getValue().getFirst();
            for (Observation o : entry.getValue()) {
                if (o.values().size() > longest.values().size()) {
                    longest = o;
                }
            }
            Observation conflicting = firstNonPrefix(entry.getValue(), longest.values());
            if (conflicting != null) {
                anomalies.add(Anomaly.of(
                        AnomalyType.INCOMPATIBLE_ORDER,
                        List.of(conflicting.op().id(), longest.op().id()),
                        "no order of " + key + " explains both " + conflicting.describe() + " and " + longest.describe()
                                + divergence(conflicting.values(), longest.values())));
            } else if (hasDuplicates(longest.values())) {
                // Already reported as duplicate-elements; positions in such a list mean nothing.
                continue;
            } else {
                orders.put(key, longest.values());
            }
        }
        return orders;
    }

    private static Map<String, List<Observation>> collect(List<Operation> history) {
        Map<String, List<Observation>> observations = new LinkedHashMap<>();
        for (Operation op : history) {
            if (!op.isOk()) {
                continue; // only committed transactions' reads are trustworthy observations
            }
            for (MicroOp micro : op.ops()) {
                if (micro instanceof MicroOp.Read read) {
                    observations
                            .computeIfAbsent(read.key(), k -> new ArrayList<>())
                            .add(new Observation(op, read.values()));
                }
            }
        }
        return observations;
    }

    private static Observation firstNonPrefix(List<Observation> observations, List<Long> longest) {
        for (Observation o : observations) {
            if (!isPrefix(o.values(), longest)) {
                return o;
            }
        }
        return null;
    }

    private static String divergence(List<Long> shorter, List<Long> longer) {
        int i = 0;
        while (shorter.get(i).equals(longer.get(i))) {
            i++; // terminates: shorter is not a prefix of longer, so they differ within its length
        }
        return "; they differ at position " + i + ": " + shorter.get(i) + " vs " + longer.get(i);
    }

    static boolean isPrefix(List<Long> prefix, List<Long> list) {
        return prefix.size() <= list.size() && list.subList(0, prefix.size()).equals(prefix);
    }

    private static boolean hasDuplicates(List<Long> values) {
        return new HashSet<>(values).size() != values.size();
    }
}
