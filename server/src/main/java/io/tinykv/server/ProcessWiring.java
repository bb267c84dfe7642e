package io.tinykv.server;

import io.tinykv.storage.StandaloneStorage;

/**
 * What a process serves data with: RocksDB through the storage module's StandaloneStorage.
 */
final class ProcessWiring {

    static final StorageFactory ROCKSDB =
            (dataDir, config) -> StandaloneStorage.open(dataDir, config.toEngineConfig());

    private ProcessWiring() {
    }
}
