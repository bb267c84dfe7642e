package io.tinykv.txn;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;

/**
 * Where the region a request addresses begins and ends (raw user keys). Scans and lock scans stay
 * inside it, and point commands refuse keys outside it with KeyNotInRegion.
 */
@FunctionalInterface
public interface RegionBounds {

    /** Every key: one store that holds all data (standalone mode). */
    RegionBounds UNBOUNDED = ctx -> KeyRange.ALL;

    /** The same range for every request (a store serving one region, or tests). */
    static RegionBounds fixed(KeyRange range) {
        return ctx -> range;
    }

    /**
     * @throws io.tinykv.storage.RegionException when this store does not serve the region
     */
    KeyRange rangeOf(Kvrpcpb.Context ctx);
}
