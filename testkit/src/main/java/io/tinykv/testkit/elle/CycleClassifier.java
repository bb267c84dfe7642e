package io.tinykv.testkit.elle;

import io.tinykv.testkit.check.Anomaly;
import io.tinykv.testkit.check.AnomalyType;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Looks for each cycle class in each strongly connected component and reports at most one cycle
 * (a shortest one) per class per component. A component with no forbidden cycle still has a cycle;
 * it then has two or more rw edges, which is G2, allowed under snapshot isolation.
 */
final class CycleClassifier {

    /** One class of cycle: its designated edge kind and the kinds the rest of the cycle may use. */
    private record Shape(AnomalyType type, EdgeKind designated, Set<EdgeKind> rest, String meaning) {}

    private static final List<Shape> FORBIDDEN = List.of(
            new Shape(AnomalyType.G0, EdgeKind.WW, EnumSet.of(EdgeKind.WW), "a cycle of write-write dependencies"),
            new Shape(
                    AnomalyType.G1C,
                    EdgeKind.WR,
                    EnumSet.of(EdgeKind.WW, EdgeKind.WR),
                    "a cycle of write-write and write-read dependencies (circular information flow)"),
            new Shape(
                    AnomalyType.G_SINGLE,
                    EdgeKind.RW,
                    EnumSet.of(EdgeKind.WW, EdgeKind.WR),
                    "a cycle with exactly one anti-dependency (read skew), forbidden under snapshot isolation"));

    private static final Shape G2 = new Shape(
            AnomalyType.G2,
            EdgeKind.RW,
            EnumSet.allOf(EdgeKind.class),
            "a cycle with two or more anti-dependencies (e.g. write skew), allowed under snapshot isolation");

    private CycleClassifier() {}

    static void classify(DependencyGraph graph, boolean realtime, List<Anomaly> forbidden, List<Anomaly> allowed) {
        for (int[] component : StronglyConnectedComponents.nontrivial(graph)) {
            boolean found = false;
            for (Shape shape : FORBIDDEN) {
                Optional<List<Edge>> cycle =
                        CycleSearch.shortestCycle(graph, component, shape.designated(), shape.rest());
                if (cycle.isEmpty() && realtime) {
                    Set<EdgeKind> withRealtime = EnumSet.copyOf(shape.rest());
                    withRealtime.add(EdgeKind.REALTIME);
                    // Without rt edges there was none, so any cycle found now uses at least one rt edge.
                    cycle = CycleSearch.shortestCycle(graph, component, shape.designated(), withRealtime);
                }
                if (cycle.isPresent()) {
                    forbidden.add(anomaly(graph, shape, cycle.get()));
                    found = true;
                }
            }
            if (!found) {
                CycleSearch.shortestCycle(graph, component, G2.designated(), G2.rest())
                        .ifPresent(cycle -> allowed.add(anomaly(graph, G2, cycle)));
            }
        }
    }

    private static Anomaly anomaly(DependencyGraph graph, Shape shape, List<Edge> cycle) {
        boolean usesRealtime = cycle.stream().anyMatch(e -> e.kind() == EdgeKind.REALTIME);
        Set<Integer> ids = new LinkedHashSet<>();
        for (Edge e : cycle) {
            ids.add(graph.node(e.from()).id());
        }
        StringBuilder text = new StringBuilder(shape.meaning()).append(": ");
        text.append(graph.node(cycle.getFirst().from()).name());
        for (Edge e : cycle) {
            text.append(' ')
                    .append(e.arrow())
                    .append(' ')
                    .append(graph.node(e.to()).name());
        }
        for (Edge e : cycle) {
            text.append("\n    ").append(graph.node(e.from()).describe());
        }
        return new Anomaly(shape.type(), usesRealtime, new ArrayList<>(ids), text.toString());
    }
}
