package io.tinykv.testkit.history;

/** How an operation ended, as far as the client could tell. */
public enum Outcome {
    /** Committed: the client saw a successful response. */
    OK,
    /** Definitely did not take effect (aborted, rejected before any write). */
    FAIL,
    /** Unknown: the operation may or may not have taken effect (e.g. a commit whose response was lost). */
    INFO
}
