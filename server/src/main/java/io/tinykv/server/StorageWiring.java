package io.tinykv.server;

import io.tinykv.storage.StandaloneStorage;

/** How a process opens its kv storage: RocksDB through the storage module's StandaloneStorage. */
final class StorageWiring {

    static final StorageFactory ROCKSDB =
            (dataDir, config) -> StandaloneStorage.open(dataDir, config.toEngineConfig());

    private StorageWiring() {
    }
}
