package io.tinykv.storage.space;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where a {@link DiskSpaceGuard} reads free space from: the real file system, or a fake in tests. */
@FunctionalInterface
public interface FreeSpaceSource {

    /** One reading; a system call for the real file system, so callers sample, never call per write. */
    SpaceStats read() throws IOException;

    /** The file system holding {@code dir} (which must exist). */
    static FreeSpaceSource fileSystemOf(Path dir) {
        return () -> {
            FileStore store = Files.getFileStore(dir);
            return new SpaceStats(store.getTotalSpace(), store.getUsableSpace());
        };
    }
}
