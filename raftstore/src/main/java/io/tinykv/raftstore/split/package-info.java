/**
 * The split room: cutting a region in two (DESIGN.md §4, "Split"). Entry types: {@link
 * io.tinykv.raftstore.split.SplitChecker} (measures a leader's region off the Raft thread against
 * {@link io.tinykv.raftstore.split.SplitCheckConfig}, with {@code SplitCheckState} and
 * {@code SplitKeys}), {@link io.tinykv.raftstore.split.SplitProposer} (asks the scheduler for ids
 * and proposes the {@code BatchSplit}), {@code BatchSplits} (checks and derives the new regions, at
 * propose and at apply time), {@link io.tinykv.raftstore.split.SplitPeers} (the store creating the
 * new regions' peers) and {@link io.tinykv.raftstore.split.RegionSizeEstimator} (a region's
 * approximate size, for heartbeats).
 *
 * <p>Rules a changer must keep: the split is decided by the log (applied through Raft, checked
 * against the epoch as of the entry); the shrunken region and every new region's state are written
 * in one synced kv batch, and the new peers start only after it; a split moves no data; a new
 * region this store already holds is left as it is.
 */
package io.tinykv.raftstore.split;
