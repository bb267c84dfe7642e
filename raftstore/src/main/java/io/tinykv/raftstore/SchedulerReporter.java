package io.tinykv.raftstore;

/** Where a store sends what the scheduler must learn. Implementations must never block the caller. */
public interface SchedulerReporter {

    /**
     * A region leader's heartbeat: region, leader peer, down and pending peers, term, approximate
     * size/keys. Sent every regionHeartbeatTicks and at once after a leader change or an applied
     * conf change. Called on the Raft thread.
     */
    void regionHeartbeat(io.tinykv.proto.Pdpb.RegionHeartbeatRequest heartbeat);

    /** The store's statistics (store_id, region_count, ...), every storeHeartbeatTicks. */
    void storeHeartbeat(io.tinykv.proto.Pdpb.StoreStats stats);

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
