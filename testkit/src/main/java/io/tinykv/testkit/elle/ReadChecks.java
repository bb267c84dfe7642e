package io.tinykv.testkit.elle;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.AnomalyType;
import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks each committed read on its own, without any version order: values nobody wrote (garbage),
 * values seen twice, values of failed transactions (G1a) and partial views of another transaction's
 * appends (G1b).
 */
final class ReadChecks {

    private ReadChecks() {}

    static void check(List<Operation> history, AppendIndex index, List<Anomaly> anomalies) {
        for (Operation reader : history) {
            if (!reader.isOk()) {
                continue; // only committed transactions' reads are trustworthy observations
            }
            for (MicroOp micro : reader.ops()) {
                if (micro instanceof MicroOp.Read read) {
                    checkRead(reader, read, index, anomalies);
                }
            }
        }
    }

    private static void checkRead(Operation reader, MicroOp.Read read, AppendIndex index, List<Anomaly> anomalies) {
        String key = read.key();
        Set<Long> seen = new HashSet<>();
        List<Long> duplicates = new ArrayList<>();
        List<Long> garbage = new ArrayList<>();
        // Writer of each observed value -> how many of its appends to this key the read contains.
        // Keyed by id: hashing whole operations (with their read lists) would be needlessly slow.
        Map<Integer, Operation> writers = new LinkedHashMap<>();
        Map<Integer, Integer> observedByWriter = new HashMap<>();
        for (long value : read.values()) {
            if (!seen.add(value)) {
                duplicates.add(value);
                continue;
            }
            Optional<Operation> writer = index.appender(key, value);
            if (writer.isEmpty()) {
                garbage.add(value);
            } else {
                writers.put(writer.get().id(), writer.get());
                observedByWriter.merge(writer.get().id(), 1, Integer::sum);
            }
        }
        if (!duplicates.isEmpty()) {
            anomalies.add(Anomaly.of(
                    AnomalyType.DUPLICATE_ELEMENTS,
                    List.of(reader.id()),
                    "read of " + key + " contains " + MicroOp.formatList(duplicates) + " more than once "
                            + where(reader)));
        }
        if (!garbage.isEmpty()) {
            anomalies.add(Anomaly.of(
                    AnomalyType.GARBAGE_READ,
                    List.of(reader.id()),
                    "read of " + key + " returned " + MicroOp.formatList(garbage) + ", which no transaction appended, "
                            + where(reader)));
        }
        for (Operation writer : writers.values()) {
            if (writer.id() == reader.id()) {
                continue; // a transaction sees its own appends
            }
            List<Long> appended = index.appendsOf(writer, key);
            if (writer.isFailed()) {
                anomalies.add(Anomaly.of(
                        AnomalyType.G1A,
                        List.of(writer.id(), reader.id()),
                        "read of " + key + " saw the append of failed " + writer.describe() + " " + where(reader)));
            } else if (observedByWriter.get(writer.id()) < appended.size()) {
                anomalies.add(Anomaly.of(
                        AnomalyType.G1B,
                        List.of(writer.id(), reader.id()),
                        "read " + read.describe() + " saw only part of the appends " + MicroOp.formatList(appended)
                                + " of " + writer.describe() + " " + where(reader)));
            }
        }
    }

    // Describing an operation formats all its reads: only worth it once an anomaly is found.
    private static String where(Operation reader) {
        return "in " + reader.describe();
    }
}
