package io.tinykv.scheduler;

import io.tinykv.proto.Pdpb;

/**
 * Where the {@link Coordinator} sends an operator's step without waiting for the region's next
 * heartbeat: to the leader's store, on the stream that store's region heartbeats come on (as PD
 * dispatches an operator when it is created). Must not block: the coordinator calls it under its lock.
 */
@FunctionalInterface
public interface OperatorDispatch {

    /**
     * Sends {@code response} to store {@code storeId}; returns false when that store has no open
     * heartbeat stream (it then gets the step in the response to its region's next heartbeat).
     */
    boolean push(long storeId, Pdpb.RegionHeartbeatResponse response);

    /** Nobody to push to: every step waits for its region's heartbeat. */
    OperatorDispatch NONE = (storeId, response) -> false;
}
