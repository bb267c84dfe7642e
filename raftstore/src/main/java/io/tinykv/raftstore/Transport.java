package io.tinykv.raftstore;

import io.tinykv.proto.RaftServerpb.RaftMessage;

/**
 * Delivers Raft messages to other stores (by {@code message.getToPeer().getStoreId()}). Sending
 * never blocks and may lose the message: Raft retries what matters. Implementations: the gRPC
 * transport of the server, and an in-memory network in the simulator.
 */
public interface Transport {

    void send(RaftMessage message);
}
