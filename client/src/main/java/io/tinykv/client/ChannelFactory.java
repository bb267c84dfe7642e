package io.tinykv.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/**
 * Opens a gRPC channel to an address ({@code host:port}). Production code uses {@link #plaintext()};
 * tests hand in a factory that opens in-process channels instead.
 */
@FunctionalInterface
public interface ChannelFactory {
  ManagedChannel open(String address);

  /**
   * The largest response the client accepts. gRPC's default (4 MiB) is too small for a scan page of
   * large values; a full page must fit, or the scan fails with RESOURCE_EXHAUSTED.
   */
  int MAX_INBOUND_MESSAGE_BYTES = 64 * 1024 * 1024;

  /** Plain-text (no TLS) channels, the way TinyKV serves without a {@code [security]} section. */
  static ChannelFactory plaintext() {
    return withCredentials(InsecureChannelCredentials.create());
  }

  /**
   * Channels with {@code credentials}: for a cluster with mutual TLS, the
   * {@code TlsCredentials.channelCredentials()} of the client's CA, certificate and key.
   */
  static ChannelFactory withCredentials(ChannelCredentials credentials) {
    return address -> Grpc.newChannelBuilder(address, credentials)
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .build();
  }
}
