package io.tinykv.raftstore.transport.grpc;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** Opens a channel to a resolved address: plaintext Netty in production, in-process in tests. */
@FunctionalInterface
public interface ChannelFactory {

    ManagedChannel open(String target);

    /** Plaintext HTTP/2 to {@code host:port} (the stores talk on a private network). */
    static ChannelFactory plaintext() {
        return target -> ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    }
}
