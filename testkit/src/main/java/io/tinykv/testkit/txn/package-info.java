/**
 * Running transactional workloads and recording their histories (DESIGN.md §8): a {@link
 * io.tinykv.testkit.txn.Workload} makes {@link io.tinykv.testkit.txn.TxnPlan}s, {@link
 * io.tinykv.testkit.txn.TxnRun} drives one against a {@link io.tinykv.testkit.txn.TxnExecutor} step by
 * step, and a runner records the outcomes in a {@code History} — {@link
 * io.tinykv.testkit.txn.ConcurrentRunner} on real threads (against the real store), {@link
 * io.tinykv.testkit.txn.InterleavingRunner} on one thread from a seed. {@link
 * io.tinykv.testkit.txn.InMemorySnapshotStore} is the reference store, with {@link
 * io.tinykv.testkit.txn.StoreFlaw}s to prove the checkers catch a broken one.
 *
 * <p>Rules: a step that fails says what that means for the whole transaction ({@link
 * io.tinykv.testkit.txn.TxnFailedException}: FAIL, it will not commit; INFO, it may have), and a
 * runner records exactly that — never a guess. Invocation times are taken before {@code begin} and
 * completion times after the commit returns. Workloads and executors are shared by all workers and
 * thread-safe; a session and a {@code TxnRun} belong to one thread. An interleaved run is
 * reproducible from its seed.
 */
package io.tinykv.testkit.txn;
