package io.tinykv.scheduler;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import java.util.List;
import java.util.Optional;

/**
 * What the scheduler knows of one region: its metadata and what its leader last reported.
 *
 * @param leader the leader peer, or {@code null} when not known (no heartbeat yet)
 * @param downPeers peers the leader reports as not responding, with for how long
 * @param pendingPeers peers the leader reports as lagging behind (e.g. waiting for a snapshot)
 */
public record RegionInfo(
        Metapb.Region region,
        Metapb.Peer leader,
        List<Pdpb.PeerStats> downPeers,
        List<Metapb.Peer> pendingPeers,
        long approximateSizeBytes,
        long approximateKeys,
        long term) {

    public RegionInfo {
        downPeers = List.copyOf(downPeers);
        pendingPeers = List.copyOf(pendingPeers);
    }

    /** A region known only from its metadata (bootstrap, or loaded from disk). */
    public static RegionInfo of(Metapb.Region region, Metapb.Peer leader) {
        return new RegionInfo(region, leader, List.of(), List.of(), 0, 0, 0);
    }

    public static RegionInfo fromHeartbeat(Pdpb.RegionHeartbeatRequest heartbeat) {
        Metapb.Peer leader = heartbeat.hasLeader() && heartbeat.getLeader().getId() != 0 ? heartbeat.getLeader() : null;
        return new RegionInfo(
                heartbeat.getRegion(),
                leader,
                heartbeat.getDownPeersList(),
                heartbeat.getPendingPeersList(),
                heartbeat.getApproximateSize(),
                heartbeat.getApproximateKeys(),
                heartbeat.getTerm());
    }

    public long id() {
        return region.getId();
    }

    public ByteString startKey() {
        return region.getStartKey();
    }

    public ByteString endKey() {
        return region.getEndKey();
    }

    public Metapb.RegionEpoch epoch() {
        return region.getRegionEpoch();
    }

    public Optional<Metapb.Peer> leaderPeer() {
        return Optional.ofNullable(leader);
    }

    public Optional<Metapb.Peer> peerOnStore(long storeId) {
        return region.getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .findFirst();
    }

    public boolean hasPeer(long peerId) {
        return region.getPeersList().stream().anyMatch(p -> p.getId() == peerId);
    }

    /** Whether {@code peerId} is a voting member (not a learner). */
    public boolean hasVoter(long peerId) {
        return region.getPeersList().stream().anyMatch(p -> p.getId() == peerId && !isLearner(p));
    }

    /** The voting members: every peer but the learners. */
    public List<Metapb.Peer> voters() {
        return region.getPeersList().stream().filter(p -> !isLearner(p)).toList();
    }

    /** The learners: members that receive the log but neither vote nor lead. */
    public List<Metapb.Peer> learners() {
        return region.getPeersList().stream().filter(RegionInfo::isLearner).toList();
    }

    public static boolean isLearner(Metapb.Peer peer) {
        return peer.getRole() == Metapb.PeerRole.Learner;
    }

    public boolean isPending(long peerId) {
        return pendingPeers.stream().anyMatch(p -> p.getId() == peerId);
    }

    /** How long the leader reports {@code peerId} as down, 0 when it is not. */
    public long downSeconds(long peerId) {
        return downPeers.stream()
                .filter(s -> s.getPeer().getId() == peerId)
                .mapToLong(Pdpb.PeerStats::getDownSeconds)
                .findFirst()
                .orElse(0);
    }

    /** Whether {@code key} is in {@code [start, end)}; an empty end is plus infinity. */
    public boolean contains(ByteString key) {
        return Keys.compare(key, startKey()) >= 0 && (endKey().isEmpty() || Keys.compare(key, endKey()) < 0);
    }

    /** The region as a client sees it in a ScanRegions answer. */
    public Pdpb.Region toPdRegion(ClientKeyMode keyMode) {
        Pdpb.Region.Builder b = Pdpb.Region.newBuilder()
                .setRegion(keyMode.toClient(region))
                .addAllDownPeers(downPeers)
                .addAllPendingPeers(pendingPeers);
        if (leader != null) {
            b.setLeader(leader);
        }
        return b.build();
    }
}
