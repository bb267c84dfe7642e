package io.tinykv.testkit.elle;

import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Transactions as nodes (dense indices) with labelled dependency edges. At most one edge per
 * (from, to, kind): the first key that caused it explains it. Self-dependencies are dropped, since a
 * transaction trivially depends on itself.
 */
final class DependencyGraph {

    private final List<Operation> nodes = new ArrayList<>();
    private final Map<Integer, Integer> nodeByOperationId = new HashMap<>();
    private final List<List<Edge>> outgoing = new ArrayList<>();
    private final Set<EdgeId> edgeIds = new HashSet<>();

    private record EdgeId(int from, int to, EdgeKind kind) {}

    void addNode(Operation op) {
        if (nodeByOperationId.putIfAbsent(op.id(), nodes.size()) == null) {
            nodes.add(op);
            outgoing.add(new ArrayList<>());
        }
    }

    boolean contains(Operation op) {
        return nodeByOperationId.containsKey(op.id());
    }

    /** Adds an edge between two operations if both are nodes and distinct; otherwise does nothing. */
    void addEdge(Operation from, Operation to, EdgeKind kind, String key) {
        Integer f = nodeByOperationId.get(from.id());
        Integer t = nodeByOperationId.get(to.id());
        if (f == null || t == null || f.equals(t)) {
            return;
        }
        if (edgeIds.add(new EdgeId(f, t, kind))) {
            outgoing.get(f).add(new Edge(f, t, kind, key));
        }
    }

    int size() {
        return nodes.size();
    }

    Operation node(int index) {
        return nodes.get(index);
    }

    List<Edge> outgoing(int index) {
        return outgoing.get(index);
    }

    int edgeCount() {
        return edgeIds.size();
    }
}
