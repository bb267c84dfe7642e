package io.tinykv.server.pd;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.server.TinykvVersion;
import io.tinykv.scheduler.HostAndPort;

/**
 * The fixed topology of a standalone process: one store holding one region over the whole key
 * space, whose only peer is its leader, and one PD member — all at the same address.
 */
public record SingleStoreCluster(long clusterId, Metapb.Store store, Metapb.Region region, Pdpb.Member member) {

    public static final long STORE_ID = 1;
    public static final long REGION_ID = 1;
    public static final long PEER_ID = 1;
    public static final long MEMBER_ID = 1;
    /** Ids up to this value are never allocated: the fixed ids above live below it. */
    public static final long RESERVED_IDS = 1_000;
    /** Epoch versions start at 1 as in a freshly bootstrapped TiKV cluster. */
    public static final long INITIAL_EPOCH = 1;

    public static SingleStoreCluster create(long clusterId, HostAndPort advertised, String statusAddr) {
        Metapb.Store store = Metapb.Store.newBuilder()
                .setId(STORE_ID)
                .setAddress(advertised.toString())
                .setState(Metapb.StoreState.Up)
                .setVersion(TinykvVersion.TIKV_COMPATIBLE_VERSION)
                .setStatusAddress(statusAddr)
                .build();
        Metapb.Peer peer = Metapb.Peer.newBuilder().setId(PEER_ID).setStoreId(STORE_ID).build();
        Metapb.Region region = Metapb.Region.newBuilder()
                .setId(REGION_ID)
                .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setConfVer(INITIAL_EPOCH).setVersion(INITIAL_EPOCH))
                .addPeers(peer)
                .build();
        String url = "http://" + advertised;
        Pdpb.Member member = Pdpb.Member.newBuilder()
                .setName("tinykv-standalone")
                .setMemberId(MEMBER_ID)
                .addClientUrls(url)
                .addPeerUrls(url)
                .setBinaryVersion(TinykvVersion.TIKV_COMPATIBLE_VERSION)
                .build();
        return new SingleStoreCluster(clusterId, store, region, member);
    }

    public Metapb.Peer leader() {
        return region.getPeers(0);
    }
}
