package io.tinykv.txn.testing;

import io.tinykv.storage.Storage;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** The storage implementations every command test runs against. */
public enum StorageKind {
    MEMORY(dir -> new MemoryStorage());

    private final Function<Path, Storage> open;

    StorageKind(Function<Path, Storage> open) {
        this.open = open;
    }

    /** Opens a fresh, empty storage; {@code dir} is an empty directory it may use. */
    public Storage open(Path dir) {
        return open.apply(dir);
    }

    public static List<StorageKind> all() {
        return List.of(values());
    }
}
