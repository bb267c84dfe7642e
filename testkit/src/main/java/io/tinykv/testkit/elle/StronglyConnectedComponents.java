package io.tinykv.testkit.elle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * Tarjan's algorithm, iterative so that long dependency chains cannot overflow the stack. Every
 * cycle lies inside one strongly connected component, so the cycle search only looks there.
 */
final class StronglyConnectedComponents {

    private static final int UNVISITED = -1;

    private StronglyConnectedComponents() {}

    /** The components with more than one node (the graph has no self-edges), as node index arrays. */
    static List<int[]> nontrivial(DependencyGraph graph) {
        int n = graph.size();
        int[] index = new int[n];
        int[] lowLink = new int[n];
        boolean[] onStack = new boolean[n];
        Arrays.fill(index, UNVISITED);
        Deque<Integer> stack = new ArrayDeque<>();
        List<int[]> components = new ArrayList<>();
        int nextIndex = 0;
        // Explicit DFS: each frame is (node, position of the next outgoing edge to look at).
        int[] frameNode = new int[n];
        int[] frameEdge = new int[n];
        for (int root = 0; root < n; root++) {
            if (index[root] != UNVISITED) {
                continue;
            }
            int depth = 0;
            frameNode[0] = root;
            frameEdge[0] = 0;
            index[root] = lowLink[root] = nextIndex++;
            stack.push(root);
            onStack[root] = true;
            while (depth >= 0) {
                int v = frameNode[depth];
                List<Edge> out = graph.outgoing(v);
                if (frameEdge[depth] < out.size()) {
                    int w = out.get(frameEdge[depth]++).to();
                    if (index[w] == UNVISITED) {
                        index[w] = lowLink[w] = nextIndex++;
                        stack.push(w);
                        onStack[w] = true;
                        depth++;
                        frameNode[depth] = w;
                        frameEdge[depth] = 0;
                    } else if (onStack[w]) {
                        lowLink[v] = Math.min(lowLink[v], index[w]);
                    }
                    continue;
                }
                if (lowLink[v] == index[v]) {
                    components.add(popComponent(stack, onStack, v));
                }
                depth--;
                if (depth >= 0) {
                    int parent = frameNode[depth];
                    lowLink[parent] = Math.min(lowLink[parent], lowLink[v]);
                }
            }
        }
        components.removeIf(c -> c.length < 2);
        return components;
    }

    private static int[] popComponent(Deque<Integer> stack, boolean[] onStack, int root) {
        List<Integer> members = new ArrayList<>();
        int w;
        do {
            w = stack.pop();
            onStack[w] = false;
            members.add(w);
        } while (w != root);
        return members.stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
