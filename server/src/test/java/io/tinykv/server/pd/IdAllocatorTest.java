package io.tinykv.server.pd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdAllocatorTest {

    private static final long BATCH = 10;

    @TempDir
    Path dir;

    @Test
    void idsIncreaseAcrossBatchesAndRestarts() {
        DurableLong file = new DurableLong(dir.resolve("alloc_id"));
        IdAllocator ids = new IdAllocator(file, BATCH);
        long first = ids.next();
        assertThat(first).isGreaterThan(IdAllocator.RESERVED_IDS);
        long last = first;
        for (int i = 0; i < 25; i++) {
            long id = ids.next();
            assertThat(id).isGreaterThan(last);
            assertThat(file.read().orElseThrow()).isGreaterThanOrEqualTo(id);
            last = id;
        }
        IdAllocator restarted = new IdAllocator(file, BATCH);
        assertThat(restarted.next()).isGreaterThan(last);
    }
}
