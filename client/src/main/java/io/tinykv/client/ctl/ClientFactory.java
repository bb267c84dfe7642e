package io.tinykv.client.ctl;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.raw.RawKvClient;

/** Opens the client a ctl command works with; tests hand in one that reaches in-process fakes. */
@FunctionalInterface
public interface ClientFactory {
    RawKvClient open(ClientConfig config);
}
