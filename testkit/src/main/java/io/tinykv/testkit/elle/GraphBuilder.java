package io.tinykv.testkit.elle;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the dependency graph of a list-append history. Nodes are the committed transactions plus
 * the unknown-outcome (info) ones whose appends some committed read observed: an unobserved info
 * transaction may never have happened, so it constrains nothing. Failed transactions are never
 * nodes (reads of their writes are G1a, reported elsewhere).
 */
final class GraphBuilder {

    private record KeyedRead(Operation reader, List<Long> values) {}

    private GraphBuilder() {}

    static DependencyGraph build(
            List<Operation> history, AppendIndex index, Map<String, List<Long>> orders, boolean realtime) {
        Map<String, List<KeyedRead>> readsByKey = committedReads(history);
        DependencyGraph graph = new DependencyGraph();
        addNodes(graph, history, index, readsByKey);
        for (Map.Entry<String, List<KeyedRead>> entry : readsByKey.entrySet()) {
            addWriteReadEdges(graph, index, entry.getKey(), entry.getValue());
        }
        for (Map.Entry<String, List<Long>> entry : orders.entrySet()) {
            String key = entry.getKey();
            List<KeyedRead> reads = readsByKey.getOrDefault(key, List.of());
            addOrderEdges(graph, index, key, entry.getValue(), reads);
        }
        if (realtime) {
            RealtimeOrder.addEdges(graph, history);
        }
        return graph;
    }

    private static Map<String, List<KeyedRead>> committedReads(List<Operation> history) {
        Map<String, List<KeyedRead>> reads = new LinkedHashMap<>();
        for (Operation op : history) {
            if (!op.isOk()) {
                continue;
            }
            for (MicroOp micro : op.ops()) {
                if (micro instanceof MicroOp.Read read) {
                    reads.computeIfAbsent(read.key(), k -> new ArrayList<>()).add(new KeyedRead(op, read.values()));
                }
            }
        }
        return reads;
    }

    private static void addNodes(
            DependencyGraph graph,
            List<Operation> history,
            AppendIndex index,
            Map<String, List<KeyedRead>> readsByKey) {
        Set<Integer> observedWriters = new HashSet<>();
        for (Map.Entry<String, List<KeyedRead>> entry : readsByKey.entrySet()) {
            for (KeyedRead read : entry.getValue()) {
                for (long value : read.values()) {
                    index.appender(entry.getKey(), value).ifPresent(w -> observedWriters.add(w.id()));
                }
            }
        }
        for (Operation op : history) {
            if (op.isOk() || (op.isInfo() && observedWriters.contains(op.id()))) {
                graph.addNode(op);
            }
        }
    }

    /** wr: the writer of the latest value a read saw that is not the reader's own append. */
    private static void addWriteReadEdges(DependencyGraph graph, AppendIndex index, String key, List<KeyedRead> reads) {
        for (KeyedRead read : reads) {
            for (int i = read.values().size() - 1; i >= 0; i--) {
                Optional<Operation> writer = index.appender(key, read.values().get(i));
                if (writer.isPresent() && writer.get().id() != read.reader().id()) {
                    graph.addEdge(writer.get(), read.reader(), EdgeKind.WR, key);
                    break;
                }
            }
        }
    }

    /** ww along the version order, and rw from each read to the append that came next. */
    private static void addOrderEdges(
            DependencyGraph graph, AppendIndex index, String key, List<Long> order, List<KeyedRead> reads) {
        List<Operation> writers = new ArrayList<>(order.size());
        for (long value : order) {
            // A value without a writer is garbage, already reported; it just contributes no edge.
            writers.add(index.appender(key, value).orElse(null));
        }
        for (int i = 1; i < writers.size(); i++) {
            if (writers.get(i - 1) != null && writers.get(i) != null) {
                graph.addEdge(writers.get(i - 1), writers.get(i), EdgeKind.WW, key);
            }
        }
        for (KeyedRead read : reads) {
            int seen = read.values().size();
            if (seen < writers.size() && writers.get(seen) != null) {
                graph.addEdge(read.reader(), writers.get(seen), EdgeKind.RW, key);
            }
        }
        addUnobservedAppendEdges(graph, key, order, writers, reads, index);
    }

    /**
     * An append of a committed transaction that no read contains must come after the whole known
     * order, since every read is a prefix of the final order: it follows the last known writer (ww)
     * and every reader of the key missed it (rw).
     */
    private static void addUnobservedAppendEdges(
            DependencyGraph graph,
            String key,
            List<Long> order,
            List<Operation> writers,
            List<KeyedRead> reads,
            AppendIndex index) {
        Set<Long> inOrder = new HashSet<>(order);
        Operation last = writers.isEmpty() ? null : writers.getLast();
        for (Map.Entry<Long, Operation> append : index.appendsTo(key).entrySet()) {
            Operation writer = append.getValue();
            // Graph nodes are the transactions known to have committed (observed info ones included).
            if (!graph.contains(writer) || inOrder.contains(append.getKey())) {
                continue;
            }
            if (last != null) {
                graph.addEdge(last, writer, EdgeKind.WW, key);
            }
            for (KeyedRead read : reads) {
                graph.addEdge(read.reader(), writer, EdgeKind.RW, key);
            }
        }
    }
}
