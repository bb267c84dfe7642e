/**
 * An Elle-style checker of list-append histories for snapshot isolation (DESIGN.md §8, §9's {@code
 * elle.ListAppendChecker}): {@link io.tinykv.testkit.elle.ListAppendChecker} infers each key's version
 * order from reads, builds the ww/wr/rw (and optionally real-time) dependency graph and looks for
 * forbidden cycles (G0, G1c, G-single) and bad reads (G1a, G1b, garbage, duplicates, lost updates);
 * {@link io.tinykv.testkit.elle.ListAppendWorkload} makes histories it can check.
 *
 * <p>Rules: appended values are unique per key (the workload uses one counter), which is what lets a
 * read name its writer. Committed transactions are graph nodes; a transaction of unknown outcome
 * joins only when some committed read saw its append; failed ones never do. G2 is allowed under
 * snapshot isolation and only reported as such. Searches are iterative (Tarjan's components, then
 * a shortest cycle per class inside each), so long histories cannot overflow the stack.
 */
package io.tinykv.testkit.elle;
