package io.tinykv.server;

import io.tinykv.storage.Storage;
import java.nio.file.Path;

class RawApiOnMemoryTest extends RawApiContract {

    @Override
    Storage openStorage(Path dataDir) {
        return new MemoryStorage();
    }
}
