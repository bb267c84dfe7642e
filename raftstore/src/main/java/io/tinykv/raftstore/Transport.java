package io.tinykv.raftstore;

import io.tinykv.proto.RaftServerpb.RaftMessage;
import java.util.List;

/**
 * Delivers Raft messages to other stores (by {@code message.getToPeer().getStoreId()}). Sending
 * never blocks and may lose the message: Raft retries what matters. Implementations: the gRPC
 * transport of the server, and an in-memory network in the simulator.
 */
public interface Transport {

    void send(RaftMessage message);

    /**
     * Sends several messages (those of one step of a Raft round, in order). An implementation may
     * hand them to the network on the caller's thread instead of waking one of its own; like
     * {@link #send}, it never blocks on the network.
     */
    default void sendAll(List<RaftMessage> messages) {
        messages.forEach(this::send);
    }
}
