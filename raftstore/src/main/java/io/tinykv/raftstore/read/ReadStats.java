package io.tinykv.raftstore.read;

/**
 * How one peer answered reads since it was created: {@code leaseReads} from its applied state
 * under its leader lease, {@code readIndexReads} after a ReadIndex round as leader, and
 * {@code followerReads} as a follower (replica read) after its read index was applied.
 */
public record ReadStats(long leaseReads, long readIndexReads, long followerReads) {

    /** A leader's reads: none answered as a follower. */
    public ReadStats(long leaseReads, long readIndexReads) {
        this(leaseReads, readIndexReads, 0);
    }
}
