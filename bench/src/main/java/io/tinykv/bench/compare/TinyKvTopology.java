package io.tinykv.bench.compare;

/** Which tinykv a comparison starts when it is not given a running one. */
public enum TinyKvTopology {
    /** {@code tinykv standalone}: one process, one store, no replication, fsync per write. */
    STANDALONE("tinykv standalone (1 node, no replication, fsync per write)"),
    /** {@code tinykv playground}: a scheduler and three store processes, every region on three replicas. */
    PLAYGROUND("tinykv playground (scheduler + 3 store processes, 3 replicas, a write is acknowledged once a"
            + " quorum has synced it)");

    private final String description;

    TinyKvTopology(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
