package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/** Builders for stores, peers, regions and heartbeats in tests. */
final class Fixtures {

    private Fixtures() {}

    static ByteString key(String text) {
        return ByteString.copyFromUtf8(text);
    }

    static Metapb.Store store(long id) {
        return Metapb.Store.newBuilder()
                .setId(id)
                .setAddress("127.0.0.1:" + (20_160 + id))
                .setVersion("6.5.0")
                .build();
    }

    static Metapb.Peer peer(long id, long storeId) {
        return Metapb.Peer.newBuilder().setId(id).setStoreId(storeId).build();
    }

    static Metapb.RegionEpoch epoch(long confVer, long version) {
        return Metapb.RegionEpoch.newBuilder()
                .setConfVer(confVer)
                .setVersion(version)
                .build();
    }

    /** A region with peers {@code peerIds[i]} on store {@code storeIds[i]}. */
    static Metapb.Region region(
            long id, String start, String end, Metapb.RegionEpoch epoch, long[] peerIds, long[] storeIds) {
        List<Metapb.Peer> peers = new ArrayList<>();
        for (int i = 0; i < peerIds.length; i++) {
            peers.add(peer(peerIds[i], storeIds[i]));
        }
        return Metapb.Region.newBuilder()
                .setId(id)
                .setStartKey(key(start))
                .setEndKey(key(end))
                .setRegionEpoch(epoch)
                .addAllPeers(peers)
                .build();
    }

    /**
     * Stores 2..{@code count} join a cluster bootstrapped on store 1, and every store 1..count
     * heartbeats at {@code nowMillis}: all of them up.
     */
    static void storesUp(ClusterMeta cluster, int count, long nowMillis) {
        for (long s = 2; s <= count; s++) {
            cluster.putStore(store(s), nowMillis);
        }
        for (long s = 1; s <= count; s++) {
            cluster.storeHeartbeat(Pdpb.StoreStats.newBuilder().setStoreId(s).build(), nowMillis);
        }
    }

    static Pdpb.RegionHeartbeatRequest heartbeat(Metapb.Region region, Metapb.Peer leader) {
        return Pdpb.RegionHeartbeatRequest.newBuilder()
                .setRegion(region)
                .setLeader(leader)
                .build();
    }

    static RegionInfo info(Metapb.Region region, Metapb.Peer leader) {
        return RegionInfo.fromHeartbeat(heartbeat(region, leader));
    }

    /** A PersistedLong in memory that counts its writes. */
    static final class MemoryLong implements PersistedLong {
        private Long value;
        int writes;

        @Override
        public OptionalLong read() {
            return value == null ? OptionalLong.empty() : OptionalLong.of(value);
        }

        @Override
        public void write(long newValue) {
            value = newValue;
            writes++;
        }
    }
}
