package io.tinykv.server;

import io.tinykv.server.config.Config;
import io.tinykv.storage.Storage;
import java.nio.file.Path;

/** The same contract on the real engine: RocksDB through StandaloneStorage, as a process runs it. */
class RawApiOnRocksDbTest extends RawApiContract {

    @Override
    Storage openStorage(Path dataDir) {
        return StorageWiring.ROCKSDB.open(dataDir, Config.defaults().storage());
    }
}
