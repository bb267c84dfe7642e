package io.tinykv.raftstore.pd;

/** Where a store sends what the scheduler must learn. Implementations must never block the caller. */
public interface SchedulerReporter {

    /**
     * A region leader's heartbeat: region, leader peer, down and pending peers, term, approximate
     * size/keys. Sent at once after a leader change, an applied conf change or split, when a check
     * (every regionHeartbeatTicks) finds the region changed, and otherwise every
     * regionHeartbeatIntervalMs ({@link RegionHeartbeats}). Called on the Raft thread.
     */
    void regionHeartbeat(io.tinykv.proto.Pdpb.RegionHeartbeatRequest heartbeat);

    /** The store's statistics (store_id, region_count, ...), every storeHeartbeatTicks. */
    void storeHeartbeat(io.tinykv.proto.Pdpb.StoreStats stats);

    /**
     * Asks the scheduler for the ids of {@code splitCount} new regions cut from {@code region}
     * (pdpb {@code AskBatchSplit}): one region id and one peer id per peer of {@code region} each.
     * {@code answer} gets the response, or null when the scheduler could not be asked or refused;
     * on any thread, later. Called on the Raft thread: must not block. The default refuses.
     */
    default void askBatchSplit(
            io.tinykv.proto.Metapb.Region region,
            int splitCount,
            java.util.function.Consumer<io.tinykv.proto.Pdpb.AskBatchSplitResponse> answer) {
        answer.accept(null);
    }

    /** Tells the scheduler about a split just applied by the region's leader (pdpb {@code ReportBatchSplit}). */
    default void reportBatchSplit(java.util.List<io.tinykv.proto.Metapb.Region> regions) {
        // Optional: the new regions' heartbeats tell the scheduler too.
    }

    /** Drops everything (tests, simulator without a scheduler). */
    SchedulerReporter NONE = new SchedulerReporter() {
        @Override
        public void regionHeartbeat(io.tinykv.proto.Pdpb.RegionHeartbeatRequest heartbeat) {
            // Nobody listens.
        }

        @Override
        public void storeHeartbeat(io.tinykv.proto.Pdpb.StoreStats stats) {
            // Nobody listens.
        }

        @Override
        public String toString() {
            return "SchedulerReporter.NONE";
        }
    };
}
