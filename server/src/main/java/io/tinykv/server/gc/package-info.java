/**
 * A store's MVCC GC worker (not yet in DESIGN.md; it belongs under §5's workers): {@link
 * io.tinykv.server.gc.StoreGcRunner} runs a {@link io.tinykv.server.gc.StoreGcWorker} round every
 * {@code [gc] run-interval} ({@link io.tinykv.server.gc.StoreGcConfig}) — report the store's oldest
 * lock to the scheduler, learn the safe point ({@link io.tinykv.server.gc.GcSchedulerApi}), collect
 * each region this store leads with the txn module's {@code RegionGc}, then compact ranges where
 * enough was removed to give the disk back. The rules of what may be removed are {@code
 * io.tinykv.txn.gc}'s.
 *
 * <p>Rules: all of it runs on the GC thread, never on the Raft thread, and the compactor and rate
 * limiter are owned by that thread. A round that cannot reach the scheduler removes nothing (it would
 * not know how far it may go); a failed round is logged and the next one tries again — GC is not on a
 * durability path. Removals are paced to {@code [gc] max-write-records-per-sec}.
 */
package io.tinykv.server.gc;
