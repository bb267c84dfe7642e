package io.tinykv.raftstore.transport.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * Opens a channel to a resolved address: Netty in production (plaintext, or mutual TLS with the
 * process's {@code [security]} credentials), in-process in tests.
 */
@FunctionalInterface
public interface ChannelFactory {

    ManagedChannel open(String target);

    /** Plaintext HTTP/2 to {@code host:port} (the stores talk on a private network). */
    static ChannelFactory plaintext() {
        return target -> ManagedChannelBuilder.forTarget(target).usePlaintext().build();
    }

    /** HTTP/2 to {@code host:port} with {@code credentials} (TLS, or insecure when TLS is off). */
    static ChannelFactory withCredentials(ChannelCredentials credentials) {
        return target -> Grpc.newChannelBuilder(target, credentials).build();
    }

    /**
     * Like {@link #withCredentials(ChannelCredentials)}, every call carrying the cluster id
     * ({@link ClusterIdHeader}): the channels to other stores.
     */
    static ChannelFactory toStores(ChannelCredentials credentials, long clusterId) {
        return target -> Grpc.newChannelBuilder(target, credentials).intercept(ClusterIdHeader.attach(clusterId))
                .build();
    }
}
