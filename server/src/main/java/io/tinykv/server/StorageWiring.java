package io.tinykv.server;

import io.tinykv.storage.StandaloneStorage;
import org.rocksdb.RocksDB;

/** How a process opens its kv storage: RocksDB through the storage module's StandaloneStorage. */
final class StorageWiring {

    static final StorageFactory ROCKSDB = (dataDir, config) -> {
        // Not every RocksJava class loads the native library itself (LRUCache does not), so load it
        // before the engines build their options. Loading twice is a no-op.
        RocksDB.loadLibrary();
        return StandaloneStorage.open(dataDir, config.toEngineConfig());
    };

    private StorageWiring() {
    }
}
