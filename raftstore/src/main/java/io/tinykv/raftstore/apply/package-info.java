/**
 * The apply room: committed entries into the kv engine (DESIGN.md §4 step 5, the split's step 3).
 * Entry types: {@link io.tinykv.raftstore.apply.Applier} (also the executor of reads whose read
 * index is applied) and {@link io.tinykv.raftstore.apply.ApplyResult}, what an admin entry (a
 * membership change, a split) changes in the peer that applied it (TiKV's {@code ExecResult}).
 *
 * <p>Rules a changer must keep: the entries of one Ready and the new {@code RaftApplyState} go into
 * one kv batch (data and applied index move together); every command is checked again at apply time
 * (epoch and key range) so that every replica reaches the same verdict from the log alone;
 * callbacks complete only after the batch is written; the applier changes no peer state itself —
 * it hands an {@code ApplyResult} back and the peer applies it before the next entry.
 */
package io.tinykv.raftstore.apply;
