package io.tinykv.server.store;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.RegionException;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.mvcc.KeyRange;

/**
 * The key range of the region a transactional request names, as this store last applied it
 * (its {@code RegionLocalState} in the kv engine, readable from any thread). Leadership, epoch and
 * per-key checks stay with the raftstore, which re-checks every command when it is proposed and
 * again when it is applied; this only keeps scans inside the region.
 */
final class EngineRegionBounds implements RegionBounds {

    private final Engines engines;

    EngineRegionBounds(Engines engines) {
        this.engines = engines;
    }

    @Override
    public KeyRange rangeOf(Kvrpcpb.Context ctx) {
        long regionId = ctx.getRegionId();
        RegionLocalState state = engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(regionId),
                RegionLocalState.parser());
        if (state == null || state.getState() != PeerState.Normal || state.getRegion().getPeersCount() == 0) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("region " + regionId + " is not found on this store")
                    .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(regionId))
                    .build());
        }
        Metapb.Region region = state.getRegion();
        return new KeyRange(region.getStartKey().toByteArray(), region.getEndKey().toByteArray());
    }
}
