package io.tinykv.server;

/** How a process opens its kv storage: RocksDB through the storage module's StandaloneStorage. */
final class StorageWiring {

    static final StorageFactory ROCKSDB = (dataDir, config) -> {
        throw new IllegalStateException("RocksDB storage is not wired yet: merge the storage module's "
                + "StandaloneStorage and open it here");
    };

    private StorageWiring() {
    }
}
