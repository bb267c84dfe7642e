package io.tinykv.testkit.txn;

/** Deliberate bugs for {@link InMemorySnapshotStore}, to prove the checkers catch them. */
public enum StoreFlaw {
    /** Correct snapshot isolation. */
    NONE,
    /** Commits skip the first-committer-wins check: concurrent writers overwrite (lost updates). */
    NO_WRITE_CONFLICT_CHECK,
    /** Reads see other transactions' uncommitted writes, even of ones that later abort (G1a, G1b). */
    READ_UNCOMMITTED,
    /** Each read sees the latest committed value rather than the start snapshot (read skew). */
    NON_SNAPSHOT_READS
}
