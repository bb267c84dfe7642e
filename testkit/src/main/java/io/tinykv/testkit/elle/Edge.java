package io.tinykv.testkit.elle;

/**
 * A dependency edge between two graph nodes.
 *
 * @param key the key that caused it, or null for real-time edges
 */
record Edge(int from, int to, EdgeKind kind, String key) {
    Edge {
        if (from == to) {
            throw new IllegalArgumentException("self-edge on node " + from + " (" + kind + ")");
        }
    }

    /** E.g. {@code -ww(x)->} or {@code -rt->}. */
    String arrow() {
        return "-" + kind.label() + (key == null ? "" : "(" + key + ")") + "->";
    }
}
