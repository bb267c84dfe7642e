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

  /** Plain-text (no TLS) channels, the way TinyKV serves. */
  static ChannelFactory plaintext() {
    return address -> Grpc.newChannelBuilder(address, InsecureChannelCredentials.create()).build();
  }
}
