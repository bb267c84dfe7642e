package io.tinykv.testkit.check;

/** The kinds of anomaly our checkers report, named as in Adya's and Elle's papers where they exist. */
public enum AnomalyType {
    /** Write cycle: a dependency cycle made only of ww edges. */
    G0("G0", true),
    /** Aborted read: a committed read saw a write of a failed transaction. */
    G1A("G1a", true),
    /** Intermediate read: a read saw some, but not all, of another transaction's writes to a key. */
    G1B("G1b", true),
    /** Circular information flow: a cycle of ww and wr edges with at least one wr edge. */
    G1C("G1c", true),
    /** A cycle with exactly one anti-dependency (rw) edge; read skew. Forbidden under SI. */
    G_SINGLE("G-single", true),
    /** A cycle with two or more rw edges, e.g. write skew. Allowed under snapshot isolation. */
    G2("G2", false),
    /** Two committed transactions read the same version of a key and both wrote it. */
    LOST_UPDATE("lost-update", true),
    /** Two reads of a key are not prefixes of one order: no version order can explain them. */
    INCOMPATIBLE_ORDER("incompatible-order", true),
    /** A read returned a value that no transaction ever wrote. */
    GARBAGE_READ("garbage-read", true),
    /** A read returned the same appended value twice. */
    DUPLICATE_ELEMENTS("duplicate-elements", true),
    /** The workload appended the same value to a key twice: the history cannot be checked soundly. */
    DUPLICATE_APPEND("duplicate-append", true),
    /** A snapshot read of every account did not sum to the bank's constant total. */
    WRONG_TOTAL("wrong-total", true),
    /** A read saw a negative balance although the workload never allows one. */
    NEGATIVE_BALANCE("negative-balance", true);

    private final String displayName;
    private final boolean forbiddenUnderSnapshotIsolation;

    AnomalyType(String displayName, boolean forbiddenUnderSnapshotIsolation) {
        this.displayName = displayName;
        this.forbiddenUnderSnapshotIsolation = forbiddenUnderSnapshotIsolation;
    }

    public String displayName() {
        return displayName;
    }

    public boolean forbiddenUnderSnapshotIsolation() {
        return forbiddenUnderSnapshotIsolation;
    }
}
