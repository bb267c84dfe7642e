package io.tinykv.testkit.elle;

import io.tinykv.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adds real-time edges: A precedes B when A completed (OK) before B was invoked. Only a transitive
 * reduction is added, so the edge count stays proportional to concurrency rather than quadratic:
 * sweeping events in time order, the "frontier" holds completed transactions not yet followed by a
 * later completed one; an invocation depends on the frontier, and a completion replaces the
 * frontier members it depended on (they reach later invocations through it).
 */
final class RealtimeOrder {

    private record Event(long time, boolean invoke, Operation op) {}

    private RealtimeOrder() {}

    static void addEdges(DependencyGraph graph, List<Operation> history) {
        List<Event> events = new ArrayList<>();
        for (Operation op : history) {
            if (!graph.contains(op)) {
                continue;
            }
            events.add(new Event(op.invokeTime(), true, op));
            if (op.isOk()) {
                events.add(new Event(op.completeTime(), false, op));
            }
        }
        // At equal times invocations go first: "completed before invoked" must be strict.
        events.sort(Comparator.comparingLong(Event::time).thenComparing(e -> !e.invoke()));
        // Keyed by id: hashing whole operations (with their read lists) would be needlessly slow.
        Map<Integer, Operation> frontier = new LinkedHashMap<>();
        Map<Integer, List<Operation>> predecessors = new HashMap<>();
        for (Event event : events) {
            Operation op = event.op();
            if (event.invoke()) {
                List<Operation> before = List.copyOf(frontier.values());
                predecessors.put(op.id(), before);
                for (Operation p : before) {
                    graph.addEdge(p, op, EdgeKind.REALTIME, null);
                }
            } else {
                for (Operation p : before(predecessors, op)) {
                    frontier.remove(p.id());
                }
                frontier.put(op.id(), op);
            }
        }
    }

    private static List<Operation> before(Map<Integer, List<Operation>> predecessors, Operation op) {
        return predecessors.getOrDefault(op.id(), List.of());
    }
}
