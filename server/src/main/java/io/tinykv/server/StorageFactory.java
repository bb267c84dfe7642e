package io.tinykv.server;

import io.tinykv.server.config.Config;
import io.tinykv.storage.Storage;
import java.nio.file.Path;

/** Opens the kv storage of a process in its (already locked) data directory. */
@FunctionalInterface
public interface StorageFactory {

    Storage open(Path dataDir, Config.Storage config);
}
