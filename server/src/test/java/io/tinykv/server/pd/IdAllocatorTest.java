package io.tinykv.server.pd;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.scheduler.IdAllocator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Standalone mode's ids: file-backed, above the fixed ids, increasing across restarts. */
class IdAllocatorTest {

    private static final long BATCH = 10;

    @TempDir
    Path dir;

    @Test
    void idsIncreaseAcrossBatchesAndRestarts() {
        DurableLong file = new DurableLong(dir.resolve("alloc_id"));
        IdAllocator ids = new IdAllocator(file, BATCH, SingleStoreCluster.RESERVED_IDS);
        long first = ids.next();
        assertThat(first).isGreaterThan(SingleStoreCluster.RESERVED_IDS);
        long last = first;
        for (int i = 0; i < 25; i++) {
            long id = ids.next();
            assertThat(id).isGreaterThan(last);
            assertThat(file.read().orElseThrow()).isGreaterThanOrEqualTo(id);
            last = id;
        }
        IdAllocator restarted = new IdAllocator(file, BATCH, SingleStoreCluster.RESERVED_IDS);
        assertThat(restarted.next()).isGreaterThan(last);
    }
}
