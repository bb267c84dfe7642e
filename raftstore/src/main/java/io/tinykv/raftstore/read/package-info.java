/**
 * The read room: reads that do not go through the log (DESIGN.md §4, "Reads" and the leader lease).
 * Entry types: {@link io.tinykv.raftstore.read.LeaderLease} (the lease on the monotonic clock, owned
 * by the peer), {@link io.tinykv.raftstore.read.PublishedLease} (the grant other threads may read),
 * {@link io.tinykv.raftstore.read.LocalReader} (lease reads answered on the receiving thread),
 * {@link io.tinykv.raftstore.read.ReadQueue} (the leader's ReadIndex reads and its lease renewal
 * round, waiting for their read index), {@link io.tinykv.raftstore.read.FollowerReads} (replica reads
 * waiting for their read index; both queues keep their reads as a {@code PendingRead}), {@link
 * io.tinykv.raftstore.read.ReadExecutor} (what answers a read from the kv engine),
 * {@link io.tinykv.raftstore.read.RegionReader} (a {@code StorageReader} over a region's snapshot)
 * and {@link io.tinykv.raftstore.read.ReadStats}.
 *
 * <p>The room imports nothing from the peer room: the peer owns these types and hands them the
 * values they weigh (only {@code LocalReader} reaches a peer, for its published lease, through the
 * {@link io.tinykv.raftstore.Router}'s mailbox).
 *
 * <p>Rules a changer must keep: the lease runs on the store's monotonic clock, never on ticks; it
 * starts when a quorum-acknowledged round was sent, and is void on step-down, term change, conf
 * change, split and leader transfer; a read off the Raft thread checks the published grant before
 * and after reading the data; a read index is served only once the peer has applied up to it.
 */
package io.tinykv.raftstore.read;
