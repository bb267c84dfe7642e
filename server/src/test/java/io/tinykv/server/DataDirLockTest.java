package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondOwnerIsRefusedUntilTheFirstReleases() {
        Path data = dir.resolve("data");
        try (DataDirLock first = DataDirLock.acquire(data)) {
            assertThat(Files.exists(first.dir().resolve(DataDirLock.LOCK_FILE_NAME)))
                    .isTrue();
            assertThatThrownBy(() -> DataDirLock.acquire(data))
                    .isInstanceOf(DataDirLock.DataDirLockedException.class)
                    .hasMessageContaining("is in use by another tinykv process")
                    .hasMessageContaining("LOCK");
        }
        DataDirLock.acquire(data).close();
    }
}
