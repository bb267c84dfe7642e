package io.tinykv.nemesis;

/**
 * Client threads that the nemesis moves from phase to phase (one phase per fault, then the mix), each
 * phase with keys of its own so that its history is checked on its own.
 */
interface PhasedWorkload {
    String name();

    /** Starts a phase: new keys under {@code prefix}; the clients' next operations belong to it. */
    void beginPhase(String phase, String prefix) throws Exception;

    /** Successful operations (or committed transactions) in the current phase so far. */
    long phaseSuccesses();

    /** Ends the phase's availability measure: the longest gap between successes, in milliseconds. */
    long endPhase();
}
