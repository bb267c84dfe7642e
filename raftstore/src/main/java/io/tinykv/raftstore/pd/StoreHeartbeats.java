package io.tinykv.raftstore.pd;

import io.tinykv.proto.Pdpb;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.storage.Engines;
import io.tinykv.storage.space.SpacePlaceholder;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's heartbeats to the scheduler, every {@link RaftstoreConfig#storeHeartbeatTicks}. The
 * statistics are gathered on a worker (they read the file system), never on the Raft thread.
 *
 * <p>What is filled: {@code store_id}, {@code region_count} (peers on this store),
 * {@code capacity} and {@code available} (of the file system holding the data directory, as the
 * file system reports it) and {@code used_size} (the bytes of every file under the data directory:
 * both engines and snapshots, not the disk space guard's placeholder, which holds no data). Not filled,
 * because this store does not know them: {@code start_time} (the store takes no wall clock),
 * snapshot counts, {@code is_busy}, read/write flow and {@code interval}.
 */
public final class StoreHeartbeats {

    private static final Logger LOG = LoggerFactory.getLogger(StoreHeartbeats.class);

    private final long storeId;
    private final Engines engines;
    private final RaftstoreConfig config;
    private final SchedulerReporter reporter;
    private final Executor workers;
    /** Ticks may come from any thread. */
    private final AtomicInteger ticksSinceHeartbeat = new AtomicInteger();

    public StoreHeartbeats(
            long storeId, Engines engines, RaftstoreConfig config, SchedulerReporter reporter, Executor workers) {
        this.storeId = storeId;
        this.engines = Objects.requireNonNull(engines, "engines");
        this.config = Objects.requireNonNull(config, "config");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.workers = Objects.requireNonNull(workers, "workers");
    }

    /** One Raft tick of the store; {@code regionCount} is asked only when a heartbeat is due. */
    public void onTick(IntSupplier regionCount) {
        if (ticksSinceHeartbeat.incrementAndGet() < config.storeHeartbeatTicks()) {
            return;
        }
        ticksSinceHeartbeat.set(0);
        int regions = regionCount.getAsInt();
        workers.execute(() -> {
            Pdpb.StoreStats stats;
            try {
                stats = gather(storeId, regions, engines.dataDir());
            } catch (IOException e) {
                LOG.warn(
                        "store {}: cannot read the file system's statistics, skipping a heartbeat: {}",
                        storeId,
                        e.getMessage());
                return;
            }
            try {
                reporter.storeHeartbeat(stats);
            } catch (RuntimeException e) {
                LOG.warn("store {}: the scheduler reporter failed on a store heartbeat", storeId, e);
            }
        });
    }

    /** The statistics of a store with {@code regionCount} peers whose data lives under {@code dataDir}. */
    static Pdpb.StoreStats gather(long storeId, int regionCount, Path dataDir) throws IOException {
        FileStore fileStore = Files.getFileStore(dataDir);
        return Pdpb.StoreStats.newBuilder()
                .setStoreId(storeId)
                .setRegionCount(regionCount)
                .setCapacity(fileStore.getTotalSpace())
                .setAvailable(fileStore.getUsableSpace())
                .setUsedSize(bytesUnder(dataDir))
                .build();
    }

    /** The sizes of the files under {@code dir}; files deleted during the walk (compactions) are skipped. */
    static long bytesUnder(Path dir) throws IOException {
        long[] total = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (!file.getFileName().toString().equals(SpacePlaceholder.FILE_NAME)) {
                    total[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
