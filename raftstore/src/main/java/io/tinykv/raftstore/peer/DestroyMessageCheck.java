package io.tinykv.raftstore.peer;

import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raftstore.Regions;

/**
 * Whether a message that would make a replica destroy itself — a tombstone ("you were removed") or
 * one addressed to a newer peer id of this store ("you were replaced") — is consistent with the
 * region's epoch as this replica knows it. Destroying deletes the replica's data, so a message that
 * does not fit is refused and logged, whoever sent it (TLS or not): a forged or confused message
 * must not cost a region its replica.
 *
 * <p>What a genuine one looks like: it comes from another store, and names the region at an epoch
 * no older than this replica's (region epochs only grow: its version never goes back, and a
 * sender that removed or replaced this replica applied that conf change after everything this
 * replica applied). A tombstone comes from a configuration newer than this replica's (conf version
 * higher). A newer peer id of this store needs two conf changes this replica missed — its removal
 * and the new peer's addition, each bumping the conf version — so the sender's conf version is at
 * least two above this replica's.
 *
 * <p>The other way round, a replica tells a peer that is no longer a member that it is gone ({@link
 * #tombstoneForStaleSender}): the sender's message names an older configuration, and this region
 * does not list the sender.
 */
final class DestroyMessageCheck {

    /** A removal and a re-addition: the conf changes between a replica and its replacement. */
    static final long CONF_CHANGES_TO_REPLACE = 2;

    private DestroyMessageCheck() {}

    /** Null when the tombstone {@code message} may destroy {@code meta}'s replica of {@code region}, else why not. */
    static String tombstoneRefusal(Metapb.Region region, Metapb.Peer meta, RaftMessage message) {
        if (message.getToPeer().getId() != meta.getId()) {
            return "it names peer " + message.getToPeer().getId() + ", not this one";
        }
        if (region.getPeersCount() == 0) {
            // An uninitialized peer is a member-to-be whom a lagging replica does not know yet.
            return "this replica holds no data yet";
        }
        String sender = senderRefusal(region, meta, message);
        if (sender != null) {
            return sender;
        }
        long confVer = message.getRegionEpoch().getConfVer();
        if (confVer <= region.getRegionEpoch().getConfVer()) {
            return "its conf version " + confVer + " is not newer than this replica's "
                    + region.getRegionEpoch().getConfVer();
        }
        return null;
    }

    /** Null when {@code message}, for a newer peer of this store, may destroy {@code meta}'s replica, else why not. */
    static String newerPeerRefusal(Metapb.Region region, Metapb.Peer meta, RaftMessage message) {
        if (message.getToPeer().getStoreId() != meta.getStoreId()) {
            return "it is for store " + message.getToPeer().getStoreId();
        }
        String sender = senderRefusal(region, meta, message);
        if (sender != null) {
            return sender;
        }
        long confVer = message.getRegionEpoch().getConfVer();
        long needed = region.getRegionEpoch().getConfVer() + CONF_CHANGES_TO_REPLACE;
        if (confVer < needed) {
            return "its conf version " + confVer + " is less than this replica's "
                    + region.getRegionEpoch().getConfVer() + " + " + CONF_CHANGES_TO_REPLACE
                    + " (a removal and an addition)";
        }
        return null;
    }

    /**
     * The tombstone {@code meta}'s replica of {@code region} answers {@code message} with, or null:
     * one only to a sender that is no longer a member of the region — its message carries an older
     * conf version (an uninitialized sender carries none) and the region, as this replica holds it
     * (with data), does not list it.
     */
    static RaftMessage tombstoneForStaleSender(
            long regionId, Metapb.Region region, Metapb.Peer meta, RaftMessage message) {
        long senderConfVer = message.getRegionEpoch().getConfVer();
        boolean senderInitialized = senderConfVer > 0;
        // The conf versions first: a scan of the peers for every message is what an idle store
        // of many regions would pay for nothing.
        if (region.getPeersCount() > 0
                && senderInitialized
                && senderConfVer < region.getRegionEpoch().getConfVer()
                && Regions.findPeer(region, message.getFromPeer().getId()) == null) {
            return RaftMessage.newBuilder()
                    .setRegionId(regionId)
                    .setFromPeer(meta)
                    .setToPeer(message.getFromPeer())
                    .setRegionEpoch(region.getRegionEpoch())
                    .setIsTombstone(true)
                    .build();
        }
        return null;
    }

    private static String senderRefusal(Metapb.Region region, Metapb.Peer meta, RaftMessage message) {
        Metapb.Peer from = message.getFromPeer();
        if (from.getId() == 0 || from.getStoreId() == 0) {
            return "it names no sender";
        }
        if (from.getStoreId() == meta.getStoreId() || from.getId() == meta.getId()) {
            return "it claims to come from this store";
        }
        long version = message.getRegionEpoch().getVersion();
        if (version < region.getRegionEpoch().getVersion()) {
            return "its epoch version " + version + " is older than this replica's "
                    + region.getRegionEpoch().getVersion();
        }
        return null;
    }
}
