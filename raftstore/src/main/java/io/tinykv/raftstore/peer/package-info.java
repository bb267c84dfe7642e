/**
 * The peer room: one replica of a region on this store (DESIGN.md §4 steps 3 and 6, §6). Entry
 * types: {@link io.tinykv.raftstore.peer.Peer} (its {@code RawNode}, the proposals it made as
 * leader, the reads it is answering) and {@link io.tinykv.raftstore.peer.PeerStorage} (the Raft log
 * and states in the store's two engines, with its {@code EntryCache}); {@code Proposal} is a write
 * waiting for its entry to apply; {@code DestroyMessageCheck} decides whether a message that would
 * destroy the replica is genuine, and which sender is told it was removed (a tombstone); {@link
 * io.tinykv.raftstore.peer.Hibernation} is where the peer stands in letting an idle region stop
 * ticking (hibernate regions): it holds the rule for a quiet region and weighs hibernation
 * messages against the peer's Raft position, both from values the peer gathers; {@code
 * HibernationMessages} builds those messages; {@code LogGcPolicy} decides when a leader compacts its
 * log and how far; {@code CommandCheck} decides whether a command may be proposed to this region,
 * and the region error if not; {@code AdminProposals} decides what a leader does with an admin
 * command (the peer carries it out).
 *
 * <p>Rules a changer must keep: a peer is touched only by its store's Raft thread (the outside
 * world reaches it through its mailbox, {@link io.tinykv.raftstore.Router}); only the peer changes
 * its own state — what an apply changes comes back as an {@link
 * io.tinykv.raftstore.apply.ApplyResult} the peer applies to itself; a proposal completes exactly
 * once; what a Ready's messages promise is durable before they are sent (the poller's order).
 */
package io.tinykv.raftstore.peer;
