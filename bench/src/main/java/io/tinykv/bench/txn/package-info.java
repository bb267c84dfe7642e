/**
 * The transactional benchmark: {@link io.tinykv.bench.txn.TxnDriver} runs {@link
 * io.tinykv.bench.txn.TwoKeyReadWrite} transactions (read two records, write both, commit) closed-loop
 * against a {@link io.tinykv.bench.txn.TxnTarget} — tinykv's Percolator through our client is {@link
 * io.tinykv.bench.txn.TinyKvTxnTarget} — and {@link io.tinykv.bench.txn.TxnBaselineReport} prints them
 * next to RawPut. DESIGN.md §8, performance.
 *
 * <p>Rules: an outcome is one of three — committed (timed from begin to commit), aborted (a {@link
 * io.tinykv.bench.txn.TxnAbortException}: it definitely did not commit, e.g. a write conflict) or an
 * error (anything else, including a commit whose outcome is unknown, which must never be counted as
 * an abort). Each {@link io.tinykv.bench.txn.TxnSession} is used by the one client thread that began
 * it. Transaction keys have their own prefix and never share a key with the raw keys of the same run.
 * This package is the transactional sibling of {@code driver} and {@code report} rather than a
 * job of its own.
 */
package io.tinykv.bench.txn;
