package io.tinykv.server;

import io.tinykv.storage.DataFormat;
import io.tinykv.storage.Engine;
import io.tinykv.storage.StandaloneStorage;

/**
 * What a process serves data with: RocksDB through the storage module's StandaloneStorage, its
 * data format checked against the configuration ({@link DataFormatCheck}).
 */
final class ProcessWiring {

    static final StorageFactory ROCKSDB = (dataDir, config) -> {
        StandaloneStorage storage = StandaloneStorage.open(dataDir, config.toEngineConfig());
        try {
            Engine kv = storage.engines().kv();
            boolean created = DataFormat.read(kv).isPresent() || DataFormatCheck.hasUserData(kv);
            DataFormatCheck.verifyOrRecord(kv, config.dataFormat(), created, dataDir.toString());
            return storage;
        } catch (RuntimeException e) {
            storage.close();
            throw e;
        }
    };

    private ProcessWiring() {
    }
}
