package io.tinykv.server;

import io.tinykv.storage.StandaloneStorage;
import io.tinykv.storage.Storage;
import java.util.function.Function;

/**
 * What a process serves data with: RocksDB through the storage module's StandaloneStorage, and
 * the handler of the transactional calls (none yet: they answer UNIMPLEMENTED).
 */
final class ProcessWiring {

    static final StorageFactory ROCKSDB =
            (dataDir, config) -> StandaloneStorage.open(dataDir, config.toEngineConfig());

    static final Function<Storage, TxnHandler> TRANSACTIONS = storage -> TxnHandler.NOT_AVAILABLE;

    private ProcessWiring() {
    }
}
