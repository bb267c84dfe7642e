package io.tinykv.raftstore;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import java.util.HexFormat;

/** Facts about a region's range, epoch and peers. */
public final class Regions {

    private static final HexFormat HEX = HexFormat.of();

    private Regions() {}

    /** Whether {@code key} is in {@code [start, end)}; an empty end key is unbounded. */
    public static boolean containsKey(Metapb.Region region, ByteString key) {
        return ByteString.unsignedLexicographicalComparator().compare(key, region.getStartKey()) >= 0
                && (region.getEndKey().isEmpty()
                        || ByteString.unsignedLexicographicalComparator().compare(key, region.getEndKey()) < 0);
    }

    /** The peer with {@code peerId}, or null when the region has none. */
    public static Metapb.Peer findPeer(Metapb.Region region, long peerId) {
        for (Metapb.Peer peer : region.getPeersList()) {
            if (peer.getId() == peerId) {
                return peer;
            }
        }
        return null;
    }

    /** Whether {@code peer} is a learner: it receives the log but neither votes nor leads. */
    public static boolean isLearner(Metapb.Peer peer) {
        return peer.getRole() == Metapb.PeerRole.Learner;
    }

    /** The peer of the region on {@code storeId}, or null when the region has none there. */
    public static Metapb.Peer findPeerOnStore(Metapb.Region region, long storeId) {
        for (Metapb.Peer peer : region.getPeersList()) {
            if (peer.getStoreId() == storeId) {
                return peer;
            }
        }
        return null;
    }

    public static String describe(ByteString key) {
        return key.isEmpty() ? "(empty)" : HEX.formatHex(key.toByteArray());
    }

    public static String describe(Metapb.RegionEpoch epoch) {
        return "{conf_ver " + epoch.getConfVer() + ", version " + epoch.getVersion() + "}";
    }
}
