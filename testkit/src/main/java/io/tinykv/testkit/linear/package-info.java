/**
 * Linearizability of key-value registers (DESIGN.md §8; the simulator's and the process tests'
 * checker): {@link io.tinykv.testkit.linear.LinearizabilityChecker} checks a history of {@link
 * io.tinykv.testkit.linear.RegisterOp} puts and gets key by key (Wing and Gong's search with Lowe's
 * memoization) and reports a violation with a shrunk counterexample.
 *
 * <p>Rules: put values must be unique per key. An operation without an answer (a timeout, an error)
 * is recorded as of unknown outcome, never as failed: an unknown put may take effect at any time after
 * its invocation, or never, and an unknown get tells nothing. Times may come from any monotonic source
 * (virtual ticks, sequence numbers, nanos), as long as one history uses one.
 */
package io.tinykv.testkit.linear;
