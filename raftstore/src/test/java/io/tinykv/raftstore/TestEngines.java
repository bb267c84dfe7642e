package io.tinykv.raftstore;

import io.tinykv.proto.Metapb;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.Engines;
import java.nio.file.Path;

/** Small engine settings and region builders shared by the raftstore tests. */
public final class TestEngines {

    private static final long MIB = 1024L * 1024L;

    /** Small caches and memtables: the simulator opens several stores at once on a shared machine. */
    public static final EngineConfig SMALL_CONFIG = EngineConfig.defaults()
            .withBlockCacheSizeBytes(MIB)
            .withWriteBufferSizeBytes(MIB)
            .withRaftWriteBufferSizeBytes(MIB);

    private TestEngines() {}

    public static Engines open(Path dir) {
        return Engines.open(dir, SMALL_CONFIG);
    }

    /** Region {@code regionId} over all keys, epoch (1, 1), with peers given as (peer id, store id) pairs. */
    public static Metapb.Region region(long regionId, long... peerAndStoreIds) {
        Metapb.Region.Builder region = Metapb.Region.newBuilder()
                .setId(regionId)
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(1).setVersion(1));
        for (int i = 0; i + 1 < peerAndStoreIds.length; i += 2) {
            region.addPeers(Metapb.Peer.newBuilder().setId(peerAndStoreIds[i]).setStoreId(peerAndStoreIds[i + 1]));
        }
        return region.build();
    }
}
