package io.tinykv.raftstore;

import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.SnapshotStatus;

/** What a peer's mailbox carries. */
public sealed interface PeerMsg {

    /** A Raft message from another store. */
    record Raft(RaftMessage message) implements PeerMsg {}

    /** A client command (writes go through the log, reads through ReadIndex). */
    record Command(RaftCmdRequest request, Callback callback) implements PeerMsg {}

    /** How sending a snapshot to {@code toPeerId} ended (reported by the transport). */
    record SnapshotReport(long toPeerId, SnapshotStatus status) implements PeerMsg {}

    /**
     * The transport could not deliver a message to {@code toPeerId}; Raft falls back to probing
     * that follower instead of streaming appends into the void.
     */
    record Unreachable(long toPeerId) implements PeerMsg {}

    /** One logical Raft tick. */
    record Tick() implements PeerMsg {}

    /** The scheduler's answer to a region heartbeat, maybe with an operator for the leader to carry out. */
    record SchedulerOperator(Pdpb.RegionHeartbeatResponse response) implements PeerMsg {}

    /** A size scan of the region finished (see {@link RegionSizeEstimator}). */
    record ApproximateSize(long sizeBytes, long keys) implements PeerMsg {}
}
