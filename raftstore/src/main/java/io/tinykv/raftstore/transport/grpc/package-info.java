/**
 * The store-to-store transport over gRPC: {@link io.tinykv.raftstore.transport.grpc.GrpcTransport}
 * sends, {@link io.tinykv.raftstore.transport.grpc.PeerService} receives.
 *
 * <p>Unreachable peers: the transport reports every dropped message through
 * {@link io.tinykv.raftstore.transport.grpc.TransportReporter#peerUnreachable} (wired to
 * {@code RaftStore.onPeerUnreachable}, which calls {@code RawNode.reportUnreachable}), and a dropped
 * or failed snapshot as {@code SnapshotStatus.FAILURE}.
 */
package io.tinykv.raftstore.transport.grpc;
