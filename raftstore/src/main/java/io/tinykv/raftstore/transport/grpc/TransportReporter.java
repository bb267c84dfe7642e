package io.tinykv.raftstore.transport.grpc;

import io.tinykv.raft.SnapshotStatus;

/**
 * What the transport tells the local store about its sends. Production wiring: snapshot statuses go
 * to {@code RaftStore.onSnapshotStatus} and dropped messages to {@code RaftStore.onPeerUnreachable},
 * which tells the region's Raft node to probe that follower again rather than stream to it.
 */
public interface TransportReporter {

    /** How sending a snapshot of {@code regionId} to peer {@code toPeerId} ended. */
    void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status);

    /** A message to peer {@code toPeerId} of {@code regionId} was dropped: its store is unreachable or congested. */
    void peerUnreachable(long regionId, long toPeerId);
}
