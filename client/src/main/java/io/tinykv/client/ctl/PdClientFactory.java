package io.tinykv.client.ctl;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;

/** Opens the PD client the cluster-inspecting ctl commands use; tests hand in one that reaches fakes. */
@FunctionalInterface
public interface PdClientFactory {
    PdClient open(ClientConfig config);
}
