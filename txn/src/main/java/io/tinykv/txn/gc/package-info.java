/**
 * MVCC garbage collection, the policy and the per-region pass (TiKV's GC; not yet in DESIGN.md,
 * which lists the txn module in §3 and its types in §9): {@link io.tinykv.txn.gc.VersionGc} decides
 * which versions of one key no reader at or above the safe point can need, {@link
 * io.tinykv.txn.gc.RegionGc} walks one region and collects its garbage in batches through the {@code
 * GcKeys} command, and {@link io.tinykv.txn.gc.SafePointGuard} is the store's safe point with the
 * rule that comes with it. The worker that runs rounds and talks to the scheduler is the server's
 * {@code io.tinykv.server.gc}.
 *
 * <p>Rules: nothing at or above the safe point is ever removed. The store learns a safe point (the
 * guard moves forward only) before it removes anything below it, and from then on refuses reads and
 * prewrites below it with an error instead of answering from an incomplete history. Removal goes
 * through latches and Raft like any write ({@code GcKeys} re-checks what the scan found); the scan
 * itself reads a snapshot. GC runs on a worker thread, never on the Raft thread, paced by the
 * caller's {@link io.tinykv.txn.gc.RegionGc.Throttle}.
 */
package io.tinykv.txn.gc;
