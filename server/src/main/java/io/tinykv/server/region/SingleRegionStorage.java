package io.tinykv.server.region;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import java.util.List;

/**
 * Puts a store's view of its one region in front of a storage that ignores request contexts
 * (standalone storage): a context naming another store, another region or a different epoch is
 * refused with the region error a TiKV client expects, keys outside the region with
 * {@code key_not_in_region}, and readers only see the region's keys.
 */
public final class SingleRegionStorage implements Storage {

    private final Storage inner;
    private final Metapb.Region region;
    private final long storeId;

    public SingleRegionStorage(Storage inner, Metapb.Region region, long storeId) {
        this.inner = inner;
        this.region = region;
        this.storeId = storeId;
    }

    public Metapb.Region region() {
        return region;
    }

    @Override
    public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
        checkContext(ctx);
        for (Modify m : batch) {
            switch (m) {
                case Modify.Put p -> checkKey(p.key());
                case Modify.Delete d -> checkKey(d.key());
                case Modify.DeleteRange r -> checkRange(r.startKey(), r.endKey());
            }
        }
        inner.write(ctx, batch);
    }

    @Override
    public StorageReader reader(Kvrpcpb.Context ctx) {
        checkContext(ctx);
        StorageReader reader = inner.reader(ctx);
        return new StorageReader() {
            @Override
            public byte[] get(Cf cf, byte[] key) {
                checkKey(key);
                return reader.get(cf, key);
            }

            @Override
            public KvIterator iterator(Cf cf) {
                return new RangeBoundedIterator(reader.iterator(cf),
                        region.getStartKey().toByteArray(), region.getEndKey().toByteArray());
            }

            @Override
            public void close() {
                reader.close();
            }
        };
    }

    @Override
    public void close() {
        inner.close();
    }

    /**
     * Checks the routing a client put in the request, in TiKV's order: store, region, epoch.
     * Fields a client left unset are not checked (a bare request is fine in standalone mode).
     */
    public void checkContext(Kvrpcpb.Context ctx) {
        long requestStore = ctx.getPeer().getStoreId();
        if (requestStore != 0 && requestStore != storeId) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("store not match: request for store " + requestStore + ", this is store " + storeId)
                    .setStoreNotMatch(Errorpb.StoreNotMatch.newBuilder()
                            .setRequestStoreId(requestStore)
                            .setActualStoreId(storeId))
                    .build());
        }
        if (ctx.getRegionId() != 0 && ctx.getRegionId() != region.getId()) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("region " + ctx.getRegionId() + " not found on store " + storeId)
                    .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(ctx.getRegionId()))
                    .build());
        }
        if (ctx.hasRegionEpoch() && !ctx.getRegionEpoch().equals(region.getRegionEpoch())) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("epoch not match: request has " + describe(ctx.getRegionEpoch())
                            + ", region " + region.getId() + " is at " + describe(region.getRegionEpoch()))
                    .setEpochNotMatch(Errorpb.EpochNotMatch.newBuilder().addCurrentRegions(region))
                    .build());
        }
    }

    private void checkKey(byte[] key) {
        ByteString k = ByteString.copyFrom(key);
        if (!RegionRanges.contains(region, k)) {
            throw keyNotInRegion(k);
        }
    }

    private void checkRange(byte[] start, byte[] end) {
        checkKey(start);
        ByteString regionEnd = region.getEndKey();
        if (!regionEnd.isEmpty()) {
            ByteString e = ByteString.copyFrom(end);
            if (e.isEmpty() || RegionRanges.compare(e, regionEnd) > 0) {
                throw keyNotInRegion(e);
            }
        }
    }

    private RegionException keyNotInRegion(ByteString key) {
        return new RegionException(Errorpb.Error.newBuilder()
                .setMessage("key is not in region " + region.getId())
                .setKeyNotInRegion(Errorpb.KeyNotInRegion.newBuilder()
                        .setKey(key)
                        .setRegionId(region.getId())
                        .setStartKey(region.getStartKey())
                        .setEndKey(region.getEndKey()))
                .build());
    }

    private static String describe(Metapb.RegionEpoch e) {
        return "conf_ver " + e.getConfVer() + " version " + e.getVersion();
    }
}
