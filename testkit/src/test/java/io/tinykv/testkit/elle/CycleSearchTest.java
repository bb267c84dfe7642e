package io.tinykv.testkit.elle;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.testkit.history.Operation;
import io.tinykv.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CycleSearchTest {

    private final List<Operation> ops = new ArrayList<>();
    private final DependencyGraph graph = new DependencyGraph();

    private void nodes(int count) {
        for (int i = 0; i < count; i++) {
            Operation op = new Operation(i, i, i, i, Outcome.OK, List.of());
            ops.add(op);
            graph.addNode(op);
        }
    }

    private void edge(int from, int to, EdgeKind kind) {
        graph.addEdge(ops.get(from), ops.get(to), kind, "k");
    }

    @Test
    void componentsAreFoundAndTrivialOnesDropped() {
        nodes(6);
        edge(0, 1, EdgeKind.WW);
        edge(1, 2, EdgeKind.WW);
        edge(2, 0, EdgeKind.WR);
        edge(2, 3, EdgeKind.WW); // 3 is on no cycle
        edge(4, 5, EdgeKind.RW);
        edge(5, 4, EdgeKind.RW);

        assertThat(StronglyConnectedComponents.nontrivial(graph))
                .containsExactlyInAnyOrder(new int[] {0, 1, 2}, new int[] {4, 5});
    }

    @Test
    void longChainsDoNotOverflowTheStack() {
        int n = 100_000;
        nodes(n);
        for (int i = 0; i + 1 < n; i++) {
            edge(i, i + 1, EdgeKind.WW);
        }
        edge(n - 1, 0, EdgeKind.WW);

        assertThat(StronglyConnectedComponents.nontrivial(graph))
                .singleElement()
                .satisfies(c -> assertThat(c).hasSize(n));
    }

    @Test
    void findsTheShortestCycleOfTheRequestedShape() {
        nodes(4);
        // A long ww-only cycle 0->1->2->3->0 and a short one through a single rw edge 1->0.
        edge(0, 1, EdgeKind.WW);
        edge(1, 2, EdgeKind.WW);
        edge(2, 3, EdgeKind.WW);
        edge(3, 0, EdgeKind.WW);
        edge(1, 0, EdgeKind.RW);
        int[] all = {0, 1, 2, 3};

        Optional<List<Edge>> g0 = CycleSearch.shortestCycle(graph, all, EdgeKind.WW, EnumSet.of(EdgeKind.WW));
        Optional<List<Edge>> gSingle =
                CycleSearch.shortestCycle(graph, all, EdgeKind.RW, EnumSet.of(EdgeKind.WW, EdgeKind.WR));
        Optional<List<Edge>> g1c =
                CycleSearch.shortestCycle(graph, all, EdgeKind.WR, EnumSet.of(EdgeKind.WW, EdgeKind.WR));

        assertThat(g0).get().asList().hasSize(4);
        assertThat(gSingle).get().asList().extracting(e -> ((Edge) e).kind()).containsExactly(EdgeKind.RW, EdgeKind.WW);
        assertThat(g1c).isEmpty();
    }

    @Test
    void selfDependenciesAndDuplicateEdgesAreDropped() {
        nodes(2);
        edge(0, 0, EdgeKind.WW);
        edge(0, 1, EdgeKind.WW);
        edge(0, 1, EdgeKind.WW);
        edge(0, 1, EdgeKind.RW);

        assertThat(graph.edgeCount()).isEqualTo(2);
        assertThat(StronglyConnectedComponents.nontrivial(graph)).isEmpty();
    }
}
