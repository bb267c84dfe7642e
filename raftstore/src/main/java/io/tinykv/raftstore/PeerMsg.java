package io.tinykv.raftstore;

import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.split.RegionSizeEstimator;
import io.tinykv.raftstore.split.SplitChecker;

/** What a peer's mailbox carries. */
public sealed interface PeerMsg {

    /** A Raft message from another store. */
    record Raft(RaftMessage message) implements PeerMsg {}

    /**
     * A client command (writes go through the log, reads through ReadIndex), queued at
     * {@code queuedAtNanos} on the store's monotonic clock.
     */
    record Command(RaftCmdRequest request, Callback callback, long queuedAtNanos) implements PeerMsg {}

    /** How sending a snapshot to {@code toPeerId} ended (reported by the transport). */
    record SnapshotReport(long toPeerId, SnapshotStatus status) implements PeerMsg {}

    /**
     * The transport could not deliver a message to {@code toPeerId}; Raft falls back to probing
     * that follower instead of streaming appends into the void.
     */
    record Unreachable(long toPeerId) implements PeerMsg {}

    /** One logical Raft tick. */
    record Tick() implements PeerMsg {}

    /**
     * Store {@code storeId} sent no liveness ping for {@code silentTicks} ({@link StoreLiveness}): an
     * idle peer of a region with a peer there wakes.
     */
    record StoreSilent(long storeId, long silentTicks) implements PeerMsg {}

    /**
     * {@code ticks} went by for an idle leader, which is not ticked: time for its region heartbeat
     * check ({@link io.tinykv.raftstore.pd.RegionHeartbeats#onIdleTicks}).
     */
    record IdleTicks(int ticks) implements PeerMsg {}

    /** The scheduler's answer to a region heartbeat, maybe with an operator for the leader to carry out. */
    record SchedulerOperator(Pdpb.RegionHeartbeatResponse response) implements PeerMsg {}

    /** A size scan of the region finished (see {@link RegionSizeEstimator}). */
    record ApproximateSize(long sizeBytes, long keys) implements PeerMsg {}

    /** Time for the leader to measure its region against the split thresholds ({@link SplitChecker}). */
    record SplitCheckTick() implements PeerMsg {}

    /**
     * A split check of the region, asked at {@code appliedIndex} and {@code epoch}, finished
     * ({@link SplitChecker}): {@code splitKeys} (ascending, raw keys) are where to cut a region beyond
     * the thresholds, empty for one within them (or one that cannot be cut); {@code measured} is false
     * when the scan was abandoned (a read failed) and says nothing about the region.
     */
    record SplitChecked(
            io.tinykv.proto.Metapb.RegionEpoch epoch,
            long appliedIndex,
            java.util.List<com.google.protobuf.ByteString> splitKeys,
            boolean measured)
            implements PeerMsg {}

    /**
     * Split the region at {@code splitKeys} (ascending, raw keys) if it is still at {@code epoch}:
     * the leader asks the scheduler for ids and proposes a BatchSplit; {@code callback} gets its
     * result (the regions after the split) or the error that stopped it.
     */
    record SplitRegion(
            io.tinykv.proto.Metapb.RegionEpoch epoch,
            java.util.List<com.google.protobuf.ByteString> splitKeys,
            Callback callback)
            implements PeerMsg {}

    /** The scheduler's ids for a {@link SplitRegion} ({@code ids} null: it could not give them). */
    record SplitIds(SplitRegion split, Pdpb.AskBatchSplitResponse ids) implements PeerMsg {}
}
