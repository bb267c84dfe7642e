package io.tinykv.raftstore;

/**
 * How one peer answered reads since it was created: {@code leaseReads} from its applied state
 * under its leader lease, {@code readIndexReads} after a ReadIndex round.
 */
public record ReadStats(long leaseReads, long readIndexReads) {}
