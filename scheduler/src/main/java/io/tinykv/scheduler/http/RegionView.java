package io.tinykv.scheduler.http;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.scheduler.RegionInfo;
import java.util.List;

/**
 * A region as PD's HTTP API shows it ({@code /pd/api/v1/region/id/{id}}): keys in upper-case hex as
 * clients name them (encoded in TXN key mode), the epoch, peers, leader, down and pending peers, and
 * the approximate size in MiB and keys from the last heartbeat. PD's traffic counters
 * ({@code written_bytes}, {@code read_keys}, ...) are left out: the scheduler does not keep them, and
 * zeros would claim an idle region.
 */
public record RegionView(
        long id,
        String startKey,
        String endKey,
        Epoch epoch,
        List<PeerView> peers,
        PeerView leader,
        List<DownPeer> downPeers,
        List<PeerView> pendingPeers,
        long approximateSize,
        long approximateKeys) {

    private static final long MIB = 1024 * 1024;

    public record Epoch(Long confVer, Long version) {}

    public record DownPeer(PeerView peer, Long downSeconds) {}

    public static RegionView of(RegionInfo info, ClientKeyMode keyMode) {
        Metapb.Region region = keyMode.toClient(info.region());
        Metapb.RegionEpoch e = region.getRegionEpoch();
        return new RegionView(
                region.getId(),
                GoText.hexKey(region.getStartKey()),
                GoText.hexKey(region.getEndKey()),
                new Epoch(PdJson.nonZero(e.getConfVer()), PdJson.nonZero(e.getVersion())),
                emptyAsNull(region.getPeersList().stream().map(PeerView::of).toList()),
                PeerView.of(info.leaderPeer().orElse(Metapb.Peer.getDefaultInstance())),
                emptyAsNull(info.downPeers().stream().map(RegionView::downPeer).toList()),
                emptyAsNull(info.pendingPeers().stream().map(PeerView::of).toList()),
                sizeMib(info.approximateSizeBytes()),
                info.approximateKeys());
    }

    /** PD counts region sizes in MiB, and a non-empty region as at least 1 MiB. */
    public static long sizeMib(long bytes) {
        return bytes <= 0 ? 0 : Math.max(1, bytes / MIB);
    }

    private static DownPeer downPeer(Pdpb.PeerStats stats) {
        return new DownPeer(PeerView.of(stats.getPeer()), PdJson.nonZero(stats.getDownSeconds()));
    }

    private static <T> List<T> emptyAsNull(List<T> list) {
        return list.isEmpty() ? null : list;
    }
}
