package io.tinykv.testkit.elle;

/** Why one transaction must precede another in any serialization. */
enum EdgeKind {
    /** Write-write: the first transaction's append comes right before the second's in a key's order. */
    WW("ww"),
    /** Write-read: the second transaction read the first one's append. */
    WR("wr"),
    /** Read-write anti-dependency: the first read a version that the second's append came after. */
    RW("rw"),
    /** Real time: the first completed before the second was invoked. */
    REALTIME("rt");

    private final String label;

    EdgeKind(String label) {
        this.label = label;
    }

    String label() {
        return label;
    }
}
