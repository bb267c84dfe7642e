package io.tinykv.security;

import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.List;

/**
 * Opens a gRPC channel to an address ({@code host:port}): plaintext, or mutual TLS with the
 * process's {@link TlsCredentials#channelCredentials()}. The one way channels are opened — by the
 * client library and {@code tinykv ctl} to PD and the stores, by a store to the scheduler, to the
 * other stores and to the store it relays a call to; tests hand in a factory of in-process channels.
 */
@FunctionalInterface
public interface ChannelFactory {

    ManagedChannel open(String address);

    /**
     * The largest response accepted. gRPC's default (4 MiB) is too small for a scan page of large
     * values, read directly or relayed through another store; a full page must fit, or the call fails
     * with RESOURCE_EXHAUSTED.
     */
    int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

    /** Plaintext (no TLS) channels, the way TinyKV serves without a {@code [security]} section. */
    static ChannelFactory plaintext() {
        return withCredentials(InsecureChannelCredentials.create());
    }

    /**
     * Channels with {@code credentials}, every call passing through {@code interceptors} (e.g. the
     * cluster id the store-to-store service requires).
     */
    static ChannelFactory withCredentials(ChannelCredentials credentials, ClientInterceptor... interceptors) {
        List<ClientInterceptor> each = List.of(interceptors);
        return address -> Grpc.newChannelBuilder(address, credentials)
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .intercept(each)
                .build();
    }
}
