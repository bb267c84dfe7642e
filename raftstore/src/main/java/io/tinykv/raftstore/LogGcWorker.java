package io.tinykv.raftstore;

import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.StorageException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes compacted Raft log entries off the Raft thread. An entry may go only once its effects
 * are durable in the kv engine, whose apply writes are not synced: each task syncs the kv WAL
 * first (which also makes the new truncated state durable), then deletes the entries up to the
 * compact index with one synced range deletion.
 *
 * <p>Fail-stop: when the kv WAL sync fails, the entries are NOT deleted and the process halts.
 * Before, the executor swallowed the exception and the next task's sync, "succeeding" over a WAL
 * that had lost writes, let it delete entries whose effects were gone (guarded by
 * {@code LogGcFailStopTest}).
 */
public final class LogGcWorker {

    private static final Logger LOG = LoggerFactory.getLogger(LogGcWorker.class);

    private final Engines engines;
    private final Executor executor;
    private final ProcessHalter halter;

    public LogGcWorker(Engines engines, Executor executor, ProcessHalter halter) {
        this.engines = engines;
        this.executor = executor;
        this.halter = halter;
    }

    /** Deletes every log entry of {@code regionId} at or below {@code compactIndex}, later. */
    public void scheduleDelete(long regionId, long compactIndex) {
        String what = "log GC of region " + regionId + " up to index " + compactIndex;
        executor.execute(new WorkerTask(what, () -> {
            try {
                engines.kv().syncWal();
            } catch (StorageException e) {
                throw halter.halt(what + ": kv WAL sync", e);
            }
            try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
                // From index 0: also catches entries an interrupted earlier deletion left behind.
                wb.deleteRange(Cf.DEFAULT, Keys.raftLogStartKey(regionId), Keys.raftLogKey(regionId, compactIndex + 1));
                engines.raft().write(wb, true);
            } catch (StorageException e) {
                throw halter.halt(what + ": raft engine deletion", e);
            }
            LOG.debug("region {}: deleted raft log up to {}", regionId, compactIndex);
        }));
    }
}
