package io.tinykv.client;

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

  /** Plain-text (no TLS) channels, the way TinyKV serves. */
  static ChannelFactory plaintext() {
    return address -> Grpc.newChannelBuilder(address, InsecureChannelCredentials.create())
        .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
        .build();
  }
}
