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

    /** A store refuses client writes under this share of its disk (the stores' default reserve)... */
    private static final int LOW_SPACE_PERCENT = 5;
    /** ...or under this many bytes, whichever is smaller (storage.reserve-space's default). */
    private static final long LOW_SPACE_MAX_BYTES = 2L * 1024 * 1024 * 1024;

    private static final int PERCENT = 100;

    public long id() {
        return store.getId();
    }

    /**
     * Whether the store's last heartbeat reports less free disk than the stores' default reserve:
     * such a store refuses client writes (DESIGN.md §6), and a new replica there would fill it
     * further with a snapshot, so it gets none. Unknown before its first heartbeat (not low).
     */
    public boolean lowOnSpace() {
        long capacity = stats.getCapacity();
        return capacity > 0
                && stats.getAvailable() < Math.min(capacity / PERCENT * LOW_SPACE_PERCENT, LOW_SPACE_MAX_BYTES);
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
