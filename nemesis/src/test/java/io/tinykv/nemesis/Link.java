package io.tinykv.nemesis;

/**
 * One direction of store-to-store traffic: connections that store {@code from} opens to store
 * {@code to} (1-based store numbers). A partition is a set of links that carry nothing.
 */
record Link(int from, int to) {
    Link {
        if (from < 1 || to < 1 || from == to) {
            throw new IllegalArgumentException("a link joins two different stores (1-based), got " + from + "->" + to);
        }
    }

    @Override
    public String toString() {
        return "store" + from + "->store" + to;
    }
}
