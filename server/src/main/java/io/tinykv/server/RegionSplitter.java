package io.tinykv.server;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import java.util.List;

/**
 * Splits a region on request ({@code tikvpb.Tikv/SplitRegion}): the store behind a
 * {@link TikvService} that can split regions implements it.
 */
public interface RegionSplitter {

    /**
     * Splits the region named by {@code ctx} at {@code splitKeys} (raw keys, ascending, inside the
     * region) and waits for the split to be applied.
     *
     * @return every region of the split, in key order
     * @throws io.tinykv.storage.RegionException with the region error (NotLeader, EpochNotMatch, ...)
     * @throws InvalidRequestException when the keys cannot split the region
     */
    List<Metapb.Region> split(Kvrpcpb.Context ctx, List<ByteString> splitKeys);
}
