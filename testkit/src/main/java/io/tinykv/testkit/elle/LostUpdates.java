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
import java.util.Set;

/**
 * Lost update: two committed transactions read the same version of a key and both appended to it.
 * Under snapshot isolation the first committer wins and the other must abort. Only a transaction's
 * read made before its own first append to the key counts: that is the version it built upon.
 */
final class LostUpdates {

    private record Version(String key, List<Long> values) {}

    private LostUpdates() {}

    static void check(List<Operation> history, List<Anomaly> anomalies) {
        Map<Version, List<Operation>> writersByReadVersion = new LinkedHashMap<>();
        for (Operation op : history) {
            if (!op.isOk()) {
                continue;
            }
            Map<String, List<Long>> readBeforeAppend = new HashMap<>();
            Set<String> appended = new HashSet<>();
            for (MicroOp micro : op.ops()) {
                switch (micro) {
                    case MicroOp.Read read
                    when !appended.contains(read.key()) -> readBeforeAppend.putIfAbsent(read.key(), read.values());
                    case MicroOp.Append append -> appended.add(append.key());
                    default -> {}
                }
            }
            for (String key : appended) {
                List<Long> version = readBeforeAppend.get(key);
                if (version != null) {
                    writersByReadVersion
                            .computeIfAbsent(new Version(key, version), v -> new ArrayList<>())
                            .add(op);
                }
            }
        }
        for (Map.Entry<Version, List<Operation>> entry : writersByReadVersion.entrySet()) {
            List<Operation> writers = entry.getValue();
            if (writers.size() < 2) {
                continue;
            }
            StringBuilder text = new StringBuilder(writers.size() + " committed transactions read "
                    + entry.getKey().key() + " = "
                    + MicroOp.formatList(entry.getKey().values())
                    + " and all appended to it:");
            List<Integer> ids = new ArrayList<>();
            for (Operation w : writers) {
                ids.add(w.id());
                text.append("\n    ").append(w.describe());
            }
            anomalies.add(Anomaly.of(AnomalyType.LOST_UPDATE, ids, text.toString()));
        }
    }
}
