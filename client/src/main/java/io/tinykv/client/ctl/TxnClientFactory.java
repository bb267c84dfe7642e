package io.tinykv.client.ctl;

import io.tinykv.client.ClientConfig;
import io.tinykv.client.txn.TxnKvClient;

/** Opens the transactional client a {@code ctl txn} command works with; tests reach in-process fakes. */
@FunctionalInterface
public interface TxnClientFactory {
    TxnKvClient open(ClientConfig config);
}
