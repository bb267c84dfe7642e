package io.tinykv.bench.txn;

import java.util.Locale;

/** How {@link TinyKvTxnTarget}'s client commits: the choices {@code bench txn-baseline --commit} compares. */
public enum CommitMode {
    /** Always two phases: prewrite, commit ts from PD, commit primary, commit secondaries. */
    TWO_PC("2pc", false, false),
    /** Async commit: the prewrites decide the commit ts; the keys are committed in the background. */
    ASYNC("async", false, true),
    /** One phase where the keys lie in one region (else two phases). */
    ONE_PC("1pc", true, false);

    private final String label;
    private final boolean tryOnePc;
    private final boolean asyncCommit;

    CommitMode(String label, boolean tryOnePc, boolean asyncCommit) {
        this.label = label;
        this.tryOnePc = tryOnePc;
        this.asyncCommit = asyncCommit;
    }

    public String label() {
        return label;
    }

    public boolean tryOnePc() {
        return tryOnePc;
    }

    public boolean asyncCommit() {
        return asyncCommit;
    }

    /** The mode named {@code label} ("2pc", "async", "1pc"). */
    public static CommitMode parse(String label) {
        for (CommitMode mode : values()) {
            if (mode.label.equals(label.trim().toLowerCase(Locale.ROOT))) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown commit mode '" + label + "': expected 2pc, async or 1pc");
    }
}
