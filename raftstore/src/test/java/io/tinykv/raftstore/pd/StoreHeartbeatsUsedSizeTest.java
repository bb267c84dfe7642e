package io.tinykv.raftstore.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.storage.space.SpacePlaceholder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's used size counts data, not the disk space guard's placeholder. */
class StoreHeartbeatsUsedSizeTest {

    @TempDir
    Path dir;

    @Test
    void thePlaceholderIsNotData() throws IOException {
        Files.write(dir.resolve("a"), new byte[100]);
        new SpacePlaceholder(dir).create(4096);

        assertThat(Files.size(dir.resolve(SpacePlaceholder.FILE_NAME))).isEqualTo(4096);
        assertThat(StoreHeartbeats.gather(1, 1, dir).getUsedSize()).isEqualTo(100);
    }
}
