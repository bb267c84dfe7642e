package io.tinykv.raftstore;

import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes compacted Raft log entries off the Raft thread. An entry may go only once its effects
 * are durable in the kv engine, whose apply writes are not synced: each task syncs the kv WAL
 * first (which also makes the new truncated state durable), then deletes the entries up to the
 * compact index with one synced range deletion.
 */
final class LogGcWorker {

    private static final Logger LOG = LoggerFactory.getLogger(LogGcWorker.class);

    private final Engines engines;
    private final Executor executor;

    LogGcWorker(Engines engines, Executor executor) {
        this.engines = engines;
        this.executor = executor;
    }

    /** Deletes every log entry of {@code regionId} at or below {@code compactIndex}, later. */
    void scheduleDelete(long regionId, long compactIndex) {
        executor.execute(() -> {
            engines.kv().syncWal();
            try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
                // From index 0: also catches entries an interrupted earlier deletion left behind.
                wb.deleteRange(Cf.DEFAULT, Keys.raftLogStartKey(regionId), Keys.raftLogKey(regionId, compactIndex + 1));
                engines.raft().write(wb, true);
            }
            LOG.debug("region {}: deleted raft log up to {}", regionId, compactIndex);
        });
    }
}
