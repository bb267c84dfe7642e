package io.tinykv.raftstore;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.raftstore.peer.Peer;

/**
 * Tells a stale peer that it was removed, when the message it sent reaches a store whose own peer
 * of the region is already gone (its region state is a tombstone).
 *
 * <p>A live peer does the same for messages it receives ({@link Peer#step}); this covers the case
 * where a replica removed while cut off only knows members that have been removed meanwhile too:
 * it keeps writing to them, and their stores answer from the tombstone. The rule is the live
 * peer's: the sender's conf version is older than the tombstone's region and that region does not
 * list the sender. Then the sender was removed before this store's peer (peer ids are never
 * reused), so telling it is safe; a member that merely lags is listed and is left alone.
 */
final class StalePeerChecker {

    private StalePeerChecker() {}

    /**
     * Whether {@code message}, arriving where the region's peer is a {@code tombstone}, is for a
     * newer peer of this store that may be created: the message's conf version is newer than the
     * tombstone's, and its target's id is above the id of the peer the tombstone lists on this
     * store (a replica destroyed on learning it was stale keeps its old view, itself included;
     * members that still list it may be newer than that view, but must never bring back that
     * peer id, whose Raft state, votes included, is gone).
     */
    static boolean addressesANewerPeer(RegionLocalState tombstone, RaftMessage message, long storeId) {
        Metapb.Region region = tombstone.getRegion();
        if (message.getRegionEpoch().getConfVer() <= region.getRegionEpoch().getConfVer()) {
            return false;
        }
        Metapb.Peer old = Regions.findPeerOnStore(region, storeId);
        return old == null || message.getToPeer().getId() > old.getId();
    }

    /** The tombstone message to answer {@code message} with, or null when it must go unanswered. */
    static RaftMessage replyFromTombstone(RegionLocalState state, RaftMessage message) {
        if (state == null || state.getState() != PeerState.Tombstone || message.getIsTombstone()) {
            return null;
        }
        Metapb.Region region = state.getRegion();
        long senderConfVer = message.getRegionEpoch().getConfVer();
        boolean senderInitialized = senderConfVer > 0;
        if (region.getPeersCount() == 0
                || !senderInitialized
                || senderConfVer >= region.getRegionEpoch().getConfVer()
                || Regions.findPeer(region, message.getFromPeer().getId()) != null) {
            return null;
        }
        return RaftMessage.newBuilder()
                .setRegionId(message.getRegionId())
                .setFromPeer(message.getToPeer())
                .setToPeer(message.getFromPeer())
                .setRegionEpoch(region.getRegionEpoch())
                .setIsTombstone(true)
                .build();
    }
}
