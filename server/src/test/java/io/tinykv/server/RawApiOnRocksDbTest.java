package io.tinykv.server;

import io.tinykv.server.config.Config;
import io.tinykv.storage.StandaloneStorage;
import io.tinykv.storage.Storage;
import java.nio.file.Path;

/** The same contract on the real engine: RocksDB's kv engine through StandaloneStorage. */
class RawApiOnRocksDbTest extends RawApiContract {

    @Override
    Storage openStorage(Path dataDir) {
        return StandaloneStorage.open(dataDir, Config.defaults().storage().toEngineConfig());
    }
}
