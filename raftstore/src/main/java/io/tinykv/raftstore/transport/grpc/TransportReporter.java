package io.tinykv.raftstore.transport.grpc;

import io.tinykv.raft.SnapshotStatus;

/**
 * What the transport tells the local store about its sends. Production wiring: snapshot statuses go
 * to {@code RaftStore.onSnapshotStatus}; unreachability has no raftstore entry point yet (see the
 * package documentation), so it is logged and counted by whoever implements this.
 */
public interface TransportReporter {

    /** How sending a snapshot of {@code regionId} to peer {@code toPeerId} ended. */
    void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status);

    /** A message to peer {@code toPeerId} of {@code regionId} was dropped: its store is unreachable or congested. */
    void peerUnreachable(long regionId, long toPeerId);
}
