package io.tinykv.testkit.elle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds a shortest cycle of a constrained shape inside one strongly connected component: the cycle
 * uses one "designated" edge of a given kind and otherwise only edges of the allowed kinds. That
 * one shape covers every class we report: G0 is (ww; ww), G1c is (wr; ww+wr), G-single is
 * (rw; ww+wr), and adding rt to the allowed kinds gives the real-time variants.
 *
 * <p>For each distinct target b of a designated edge a→b, one breadth-first search from b over the
 * allowed kinds gives the shortest path back to every a; the shortest total wins.
 */
final class CycleSearch {

    private static final int SHORTEST_POSSIBLE_CYCLE = 2;
    private static final int UNREACHED = -1;

    private CycleSearch() {}

    /** Returns the cycle's edges, starting with the designated edge, or empty if there is none. */
    static Optional<List<Edge>> shortestCycle(
            DependencyGraph graph, int[] component, EdgeKind designated, Set<EdgeKind> allowed) {
        Map<Integer, Integer> local = new HashMap<>();
        for (int i = 0; i < component.length; i++) {
            local.put(component[i], i);
        }
        Map<Integer, List<Edge>> designatedByTarget = new HashMap<>();
        for (int node : component) {
            for (Edge e : graph.outgoing(node)) {
                if (e.kind() == designated && local.containsKey(e.to())) {
                    designatedByTarget
                            .computeIfAbsent(e.to(), t -> new ArrayList<>())
                            .add(e);
                }
            }
        }
        List<Edge> best = null;
        for (Map.Entry<Integer, List<Edge>> entry : designatedByTarget.entrySet()) {
            Edge[] parent = breadthFirst(graph, local, entry.getKey(), allowed);
            for (Edge closing : entry.getValue()) {
                List<Edge> path = pathTo(parent, local, entry.getKey(), closing.from());
                if (path != null && (best == null || path.size() + 1 < best.size())) {
                    best = new ArrayList<>();
                    best.add(closing);
                    best.addAll(path);
                }
            }
            if (best != null && best.size() == SHORTEST_POSSIBLE_CYCLE) {
                break;
            }
        }
        return Optional.ofNullable(best);
    }

    /** parent[localIndex] = edge used to first reach that node from {@code start}. */
    private static Edge[] breadthFirst(
            DependencyGraph graph, Map<Integer, Integer> local, int start, Set<EdgeKind> allowed) {
        Edge[] parent = new Edge[local.size()];
        int[] distance = new int[local.size()];
        Arrays.fill(distance, UNREACHED);
        distance[local.get(start)] = 0;
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(start);
        while (!queue.isEmpty()) {
            int v = queue.poll();
            for (Edge e : graph.outgoing(v)) {
                Integer to = local.get(e.to());
                if (to == null || !allowed.contains(e.kind()) || distance[to] != UNREACHED) {
                    continue;
                }
                distance[to] = distance[local.get(v)] + 1;
                parent[to] = e;
                queue.add(e.to());
            }
        }
        return parent;
    }

    /** The path start→…→end recorded by the search, or null if end was not reached. */
    private static List<Edge> pathTo(Edge[] parent, Map<Integer, Integer> local, int start, int end) {
        if (start == end) {
            return List.of();
        }
        List<Edge> path = new ArrayList<>();
        int v = end;
        while (v != start) {
            Edge e = parent[local.get(v)];
            if (e == null) {
                return null;
            }
            path.add(e);
            v = e.from();
        }
        Collections.reverse(path);
        return path;
    }
}
