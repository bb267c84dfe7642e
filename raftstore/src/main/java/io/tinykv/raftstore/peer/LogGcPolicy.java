package io.tinykv.raftstore.peer;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.AdminCmdType;
import io.tinykv.proto.RaftCmdpb.AdminRequest;
import io.tinykv.proto.RaftCmdpb.CompactLogRequest;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.RaftRequestHeader;
import java.util.function.LongSupplier;

/**
 * When a leader compacts its region's Raft log, and how far: every {@code intervalTicks} ticks it
 * checks, and once more than {@code countLimit} applied entries are held it compacts up to what the
 * slowest follower still needs, unless that follower is more than the limit behind: then it will be
 * caught up by snapshot instead. The peer proposes the {@code CompactLog} command through Raft; the
 * entries go once it applies (the log-GC worker deletes them). Owned by the peer's Raft thread.
 */
final class LogGcPolicy {

    /** No compaction now. */
    static final long NONE = -1;

    private final int intervalTicks;
    private final long countLimit;
    private int ticksSinceCheck;

    /**
     * @param intervalTicks ticks between checks
     * @param countLimit applied entries held before the leader compacts
     */
    LogGcPolicy(int intervalTicks, long countLimit) {
        this.intervalTicks = intervalTicks;
        this.countLimit = countLimit;
    }

    /** One tick of the peer: whether to check the log now. */
    boolean onTick() {
        if (++ticksSinceCheck >= intervalTicks) {
            ticksSinceCheck = 0;
            return true;
        }
        return false;
    }

    /**
     * The index to compact the log up to (inclusive), or {@link #NONE}.
     *
     * @param appliedIndex the leader's applied index
     * @param firstIndex the first index its log holds
     * @param slowestMatch the lowest match index of the region's peers, asked only when the log holds
     *     too many entries
     */
    long compactIndex(long appliedIndex, long firstIndex, LongSupplier slowestMatch) {
        if (appliedIndex < firstIndex || appliedIndex - firstIndex + 1 <= countLimit) {
            return NONE;
        }
        long keepFor = Math.min(appliedIndex, slowestMatch.getAsLong());
        long compactIndex = Math.max(keepFor, appliedIndex - countLimit);
        return compactIndex < firstIndex ? NONE : compactIndex;
    }

    /** The {@code CompactLog} admin command {@code self} proposes, up to {@code index} of {@code term}. */
    static RaftCmdRequest compactLogRequest(
            long regionId, Metapb.RegionEpoch epoch, Metapb.Peer self, long index, long term) {
        return RaftCmdRequest.newBuilder()
                .setHeader(RaftRequestHeader.newBuilder()
                        .setRegionId(regionId)
                        .setPeer(self)
                        .setRegionEpoch(epoch))
                .setAdminRequest(AdminRequest.newBuilder()
                        .setCmdType(AdminCmdType.CompactLog)
                        .setCompactLog(CompactLogRequest.newBuilder()
                                .setCompactIndex(index)
                                .setCompactTerm(term)))
                .build();
    }
}
