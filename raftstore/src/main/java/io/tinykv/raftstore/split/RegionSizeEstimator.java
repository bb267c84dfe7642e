package io.tinykv.raftstore.split;

import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.PeerMsg;
import io.tinykv.raftstore.Router;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Estimates a region's size for its heartbeats by scanning its range in the kv engine, on a worker
 * (never on the Raft thread), and mails the result to the region's peer.
 *
 * <p>What it counts: bytes are the sum of key and value sizes over every column family in the
 * region's range, as of one engine snapshot (RocksDB's compression and overheads are not
 * counted); keys are the larger of the entry counts of the default and write column families (raw
 * data lives in default; transactional data has one write record per version, and a default entry
 * only for large values). The scan costs time in proportion to the region's size, which is why
 * {@link RegionHeartbeats} asks for it only every few heartbeats.
 */
public final class RegionSizeEstimator {

    private static final Logger LOG = LoggerFactory.getLogger(RegionSizeEstimator.class);

    /** A region's estimated size. */
    record Estimate(long sizeBytes, long keys) {}

    private final Engines engines;
    private final Executor workers;
    private final Router router;

    public RegionSizeEstimator(Engines engines, Executor workers, Router router) {
        this.engines = Objects.requireNonNull(engines, "engines");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.router = Objects.requireNonNull(router, "router");
    }

    /** Scans {@code region}'s range on a worker; the region's peer gets a {@link PeerMsg.ApproximateSize}. */
    public void request(Metapb.Region region) {
        workers.execute(() -> {
            Estimate estimate;
            try {
                estimate = estimate(engines, region);
            } catch (StorageException | IllegalStateException e) {
                // The engines closed under the scan (the store is stopping), or a read failed: the
                // peer asks again later (see RegionHeartbeats).
                LOG.debug("region {}: size scan abandoned: {}", region.getId(), e.getMessage());
                return;
            }
            router.send(region.getId(), new PeerMsg.ApproximateSize(estimate.sizeBytes(), estimate.keys()));
        });
    }

    /** Scans {@code region}'s range as of one snapshot of the kv engine. */
    static Estimate estimate(Engines engines, Metapb.Region region) {
        byte[] start = Keys.dataKey(region.getStartKey().toByteArray());
        byte[] end = Keys.dataEndKey(region.getEndKey().toByteArray());
        long bytes = 0;
        long defaultKeys = 0;
        long writeKeys = 0;
        try (SnapshotReader reader = engines.kv().snapshot()) {
            for (Cf cf : Cf.values()) {
                long count = 0;
                try (KvIterator it = reader.iterator(cf, start, end)) {
                    for (it.seekToFirst(); it.valid(); it.next()) {
                        bytes += it.key().length - Keys.DATA_MIN_KEY.length + it.value().length;
                        count++;
                    }
                }
                if (cf == Cf.DEFAULT) {
                    defaultKeys = count;
                } else if (cf == Cf.WRITE) {
                    writeKeys = count;
                }
            }
        }
        return new Estimate(bytes, Math.max(defaultKeys, writeKeys));
    }
}
