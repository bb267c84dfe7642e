/**
 * The store-to-store transport over gRPC: {@link io.tinykv.raftstore.transport.grpc.GrpcTransport}
 * sends, {@link io.tinykv.raftstore.transport.grpc.PeerService} receives.
 *
 * <p>Unreachable peers: the raftstore has no entry point yet for telling a region's Raft node that
 * a peer is unreachable ({@code RawNode.reportUnreachable}); the transport reports drops through
 * {@link io.tinykv.raftstore.transport.grpc.TransportReporter#peerUnreachable}, and, like the
 * simulator's network, a dropped or failed snapshot as {@code SnapshotStatus.FAILURE}.
 */
package io.tinykv.raftstore.transport.grpc;
