package io.tinykv.nemesis;

import io.tinykv.client.raw.RawKvClient;
import java.util.Optional;
import org.tikv.raw.RawKVClient;

/**
 * RawKV get and put of strings, over either client: the register workload does not care which.
 * Both throw a RuntimeException when an operation fails or its outcome is unknown.
 */
interface RegisterClient {
    String name();

    Optional<String> get(String key);

    void put(String key, String value);

    /** The official TiKV Java client. */
    static RegisterClient tikv(RawKVClient client) {
        return new RegisterClient() {
            @Override
            public String name() {
                return "tikv-client";
            }

            @Override
            public Optional<String> get(String key) {
                return client.get(org.tikv.shade.com.google.protobuf.ByteString.copyFromUtf8(key))
                        .map(org.tikv.shade.com.google.protobuf.ByteString::toStringUtf8);
            }

            @Override
            public void put(String key, String value) {
                client.put(
                        org.tikv.shade.com.google.protobuf.ByteString.copyFromUtf8(key),
                        org.tikv.shade.com.google.protobuf.ByteString.copyFromUtf8(value));
            }
        };
    }

    /** Our client ({@code io.tinykv.client}). */
    static RegisterClient ours(RawKvClient client) {
        return new RegisterClient() {
            @Override
            public String name() {
                return "tinykv-client";
            }

            @Override
            public Optional<String> get(String key) {
                return client.get(com.google.protobuf.ByteString.copyFromUtf8(key))
                        .map(com.google.protobuf.ByteString::toStringUtf8);
            }

            @Override
            public void put(String key, String value) {
                client.put(
                        com.google.protobuf.ByteString.copyFromUtf8(key),
                        com.google.protobuf.ByteString.copyFromUtf8(value));
            }
        };
    }
}
