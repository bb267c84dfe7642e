package io.tinykv.txn.testing;

import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.StandaloneStorage;
import io.tinykv.storage.Storage;
import java.nio.file.Path;
import java.util.function.Function;

/** The storage implementations every command test runs against. */
public enum StorageKind {
    MEMORY(dir -> new MemoryStorage()),
    /** The real engine, sized small: tests open many of them. */
    ROCKSDB(dir -> StandaloneStorage.open(
            dir,
            EngineConfig.defaults()
                    .withBlockCacheSizeBytes(Sizes.CACHE_BYTES)
                    .withWriteBufferSizeBytes(Sizes.WRITE_BUFFER_BYTES)));

    private final Function<Path, Storage> open;

    StorageKind(Function<Path, Storage> open) {
        this.open = open;
    }

    /** Opens a fresh, empty storage; {@code dir} is an empty directory it may use. */
    public Storage open(Path dir) {
        return open.apply(dir);
    }

    private static final class Sizes {
        static final long CACHE_BYTES = 8L * 1024 * 1024;
        static final long WRITE_BUFFER_BYTES = 1024L * 1024;
    }
}
