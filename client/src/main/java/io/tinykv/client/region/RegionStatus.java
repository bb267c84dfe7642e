package io.tinykv.client.region;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.util.List;
import java.util.Objects;

/**
 * A region as PD reports it in a scan, with what PD knows of its health: the peers the leader reports
 * as down (with how long) and those still catching up (pending).
 *
 * @param info         the region's metadata and leader
 * @param downPeers    peers the leader has not heard from, each with its down time in seconds
 * @param pendingPeers peers whose log is behind (e.g. waiting for a snapshot)
 */
public record RegionStatus(RegionInfo info, List<Pdpb.PeerStats> downPeers, List<Metapb.Peer> pendingPeers) {
    public RegionStatus {
        Objects.requireNonNull(info, "info");
        downPeers = List.copyOf(downPeers);
        pendingPeers = List.copyOf(pendingPeers);
    }
}
