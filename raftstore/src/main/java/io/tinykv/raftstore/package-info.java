/**
 * The multi-raft store (DESIGN.md §4–§6): every region replica on this store is a {@link
 * io.tinykv.raftstore.peer.Peer} driving a {@link io.tinykv.raft.RawNode} over a {@link
 * io.tinykv.raftstore.peer.PeerStorage} (the Raft log and states in the store's two engines).
 *
 * <p>Flow: commands and Raft messages enter a peer's mailbox ({@link io.tinykv.raftstore.Router});
 * the batch system ({@code RaftPoller}) handles the mail of many peers in one round, persists all
 * their Readys in one synced raft-engine batch, sends their messages, applies their committed
 * entries ({@code Applier}: data and apply state in one kv-engine batch, callbacks completed
 * exactly once after it) and answers reads whose ReadIndex is applied. {@link
 * io.tinykv.raftstore.RaftStorage} puts the {@link io.tinykv.storage.Storage} API on top.
 *
 * <p>Control plane: region leaders heartbeat to the scheduler through a {@link
 * io.tinykv.raftstore.pd.SchedulerReporter} ({@code RegionHeartbeats}: periodically, on becoming
 * leader and after a conf change; down and pending peers, approximate size), the store sends its
 * statistics ({@code StoreHeartbeats}), and {@link io.tinykv.raftstore.RaftStore#onSchedulerResponse}
 * hands the scheduler's operators to the leader ({@code SchedulerOperators}). A replica removed
 * while cut off is told so by a current member (a tombstone message) and destroys itself.
 *
 * <p>Idle regions hibernate ({@link io.tinykv.raftstore.peer.Hibernation}): once all peers agreed,
 * a quiet region stops ticking and exchanging heartbeats, and anything with news wakes it. The
 * stores ping each other ({@code StoreLiveness}, one message per store per interval) so that an
 * idle region whose leader's store went silent wakes and elects another.
 *
 * <p>Threads, time, network and randomness are parameters: {@link
 * io.tinykv.raftstore.RaftStoreDriver} runs a store on a real thread and clock; the test
 * simulator ({@code io.tinykv.raftstore.sim}) runs several stores in one thread on virtual time
 * with the same code.
 *
 * <p>Rooms: {@code peer} (the replica and its storage), {@code apply} (committed entries into the
 * kv engine, and the results the peer applies to itself), {@code read} (the leader lease, lease
 * reads off the Raft thread, follower reads), {@code snapshot}, {@code split}, {@code pd} (heartbeats
 * and operators) and {@code transport.grpc}. This package keeps the store itself: {@link
 * io.tinykv.raftstore.RaftStore}, {@link io.tinykv.raftstore.RaftstoreConfig}, the driver, the
 * {@link io.tinykv.raftstore.Router} with its mailboxes ({@link io.tinykv.raftstore.PeerMsg}), the
 * batch system ({@code RaftPoller}: its round is drain mailboxes → persist the Readys → send → apply,
 * serve reads, advance), {@link io.tinykv.raftstore.RaftStorage}, the store's workers (log GC, stale
 * peer checks, ticks) and the region helpers every room uses ({@code Regions}, {@code RegionErrors}, {@code CmdRequests}).
 * A changer keeps: peers touched by the Raft thread only; slow work on workers; the order of a round.
 *
 * <p>Also here: reads by leader lease ({@code LeaderLease}; ReadIndex when it does not hold), log GC
 * (CompactLog at apply, entries deleted by {@code LogGcWorker} after a kv WAL sync), snapshots (one
 * SST file per column family with size and CRC32C, generated on a worker into the store's {@link
 * io.tinykv.raftstore.snapshot.SnapshotManager}, streamed in chunks, checked, ingested replacing only the
 * region's range) and membership changes (ChangePeer through the log: learners added, promoted to
 * voters, peers removed; peers created by a leader's first message, removed replicas destroyed).
 *
 * <p>Visibility: the module's API, what the server uses, is {@link io.tinykv.raftstore.RaftStore},
 * {@link io.tinykv.raftstore.RaftStoreDriver}, {@link io.tinykv.raftstore.RaftstoreConfig}, {@link
 * io.tinykv.raftstore.RaftStorage}, {@link io.tinykv.raftstore.RaftStoreStats}, {@link
 * io.tinykv.raftstore.Callback} with {@link io.tinykv.raftstore.CmdResult}, {@link
 * io.tinykv.raftstore.Transport}, {@link io.tinykv.raftstore.pd.SchedulerReporter}, {@link
 * io.tinykv.raftstore.split.SplitCheckConfig}, {@link io.tinykv.raftstore.snapshot.SnapshotManager}
 * and the {@code transport.grpc} room. Any other public type or member is public because another
 * room (or the simulator tests in {@code io.tinykv.raftstore.sim}) reaches it, or because Java
 * asks for it (an interface's method, a public record's constructor); what only its own package
 * uses is package-private.
 */
package io.tinykv.raftstore;
