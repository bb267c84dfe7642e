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
import io.tinykv.txn.command.KeyErrorException;
import io.tinykv.txn.command.KeyErrors;
import io.tinykv.txn.mvcc.CorruptRecordException;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.KeyRange;

/**
 * The key range of the region a transactional request names, as this store last applied it
 * (its {@code RegionLocalState} in the kv engine, readable from any thread), in user keys. Region
 * boundaries of transactional data are memcomparable-encoded user keys (as TiKV's API V1 has them,
 * see raftstore's {@code SplitKeys}), so each boundary is decoded; as the encoding keeps order,
 * {@code enc(k)} lies in {@code [start, end)} exactly when {@code k} lies in the decoded range.
 * Leadership, epoch and per-key checks stay with the raftstore, which re-checks every command (its
 * encoded engine keys against the encoded boundaries) when it is proposed and again when it is
 * applied; this only keeps scans inside the region.
 */
final class EngineRegionBounds implements RegionBounds {

    private final Engines engines;

    EngineRegionBounds(Engines engines) {
        this.engines = engines;
    }

    @Override
    public KeyRange rangeOf(Kvrpcpb.Context ctx) {
        long regionId = ctx.getRegionId();
        RegionLocalState state =
                engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(regionId), RegionLocalState.parser());
        if (state == null
                || state.getState() != PeerState.Normal
                || state.getRegion().getPeersCount() == 0) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("region " + regionId + " is not found on this store")
                    .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(regionId))
                    .build());
        }
        Metapb.Region region = state.getRegion();
        return new KeyRange(
                userKey(region, region.getStartKey().toByteArray()),
                userKey(region, region.getEndKey().toByteArray()));
    }

    /** The user key a boundary encodes; the empty boundary (either end of the key space) stays empty. */
    private static byte[] userKey(Metapb.Region region, byte[] boundary) {
        if (boundary.length == 0) {
            return boundary;
        }
        try {
            return KeyCodec.decode(boundary);
        } catch (CorruptRecordException e) {
            // A raw-key boundary (a RawKV split): transactional keys cannot be placed against it.
            throw new KeyErrorException(KeyErrors.abort("region " + region.getId() + " has a boundary that is not"
                    + " a memcomparable-encoded user key (" + KeyCodec.hex(boundary) + "), as raw-mode splits"
                    + " make; transactions need a cluster whose regions are split in transactional mode"));
        }
    }
}
