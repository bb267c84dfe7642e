package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;

/**
 * What the scheduler knows of one store.
 *
 * @param lastHeartbeatMillis when its last heartbeat arrived; for a store not heard from since the
 *     scheduler started, the time it was loaded or put, so that a scheduler restart does not
 *     declare every store down
 */
public record StoreInfo(Metapb.Store store, Pdpb.StoreStats stats, long lastHeartbeatMillis) {

    public long id() {
        return store.getId();
    }

    public StoreStatus status(long nowMillis, long disconnectMillis, long downMillis) {
        if (store.getState() == Metapb.StoreState.Tombstone) {
            return StoreStatus.TOMBSTONE;
        }
        long silentMillis = nowMillis - lastHeartbeatMillis;
        if (silentMillis >= downMillis) {
            return StoreStatus.DOWN;
        }
        if (silentMillis >= disconnectMillis) {
            return StoreStatus.DISCONNECTED;
        }
        return store.getState() == Metapb.StoreState.Offline ? StoreStatus.OFFLINE : StoreStatus.UP;
    }
}
