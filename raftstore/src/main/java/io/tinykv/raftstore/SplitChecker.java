package io.tinykv.raftstore;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures regions against the split thresholds ({@link SplitCheckConfig}) and asks their leaders
 * to split those that outgrew them. The measuring is a scan of the region's range on a worker,
 * never on the Raft thread; its split keys go to the region's peer as a {@link PeerMsg.SplitRegion}
 * at the epoch the scan saw, so a region that changed meanwhile is not split by stale keys.
 *
 * <p>What is counted: key and value bytes and entries of the {@code default} column family, the
 * home of raw data. Split keys are keys found there, cut every {@code regionSplitSizeBytes} or
 * {@code regionSplitKeys}, whichever comes first; a region is split only once it exceeds the max
 * size or max keys. A region holding transactional data (anything in the {@code lock} or
 * {@code write} column family) is not split: its engine keys are memcomparable-encoded with
 * versions while region boundaries are raw user keys (DESIGN.md §2), and the store does not
 * translate between the two.
 *
 * <p>{@link #onCheckTick} runs on the Raft thread; the rest on the workers.
 */
final class SplitChecker {

    private static final Logger LOG = LoggerFactory.getLogger(SplitChecker.class);

    /** A scan's result: size, keys and where to cut. */
    record Measure(long sizeBytes, long keys, List<ByteString> splitKeys, boolean transactional) {}

    private final SplitCheckConfig config;
    private final Engines engines;
    private final Executor workers;
    private final Router router;
    /** Region id to the applied index and epoch version of its last check. Raft thread only. */
    private final Map<Long, long[]> lastChecked = new HashMap<>();
    private final Map<Long, Boolean> warnedTransactional = new java.util.concurrent.ConcurrentHashMap<>();

    SplitChecker(SplitCheckConfig config, Engines engines, Executor workers, Router router) {
        this.config = Objects.requireNonNull(config, "config");
        this.engines = Objects.requireNonNull(engines, "engines");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.router = Objects.requireNonNull(router, "router");
    }

    /** A leader whose region took writes since its last check is measured on a worker. */
    void onCheckTick(Peer peer) {
        if (!peer.isLeader() || peer.region().getPeersCount() == 0) {
            return;
        }
        Metapb.Region region = peer.region();
        long applied = peer.storage().appliedIndex();
        long[] before = lastChecked.get(region.getId());
        if (before != null && before[0] == applied && before[1] == region.getRegionEpoch().getVersion()) {
            return;
        }
        lastChecked.put(region.getId(), new long[] {applied, region.getRegionEpoch().getVersion()});
        workers.execute(() -> check(region));
    }

    /** Forgets a region that left the store. */
    void forget(long regionId) {
        lastChecked.remove(regionId);
    }

    private void check(Metapb.Region region) {
        Measure measure;
        try {
            measure = measure(engines, region, config);
        } catch (StorageException | IllegalStateException e) {
            LOG.debug("region {}: split check abandoned: {}", region.getId(), e.getMessage());
            return;
        }
        if (measure.transactional()) {
            if (warnedTransactional.putIfAbsent(region.getId(), Boolean.TRUE) == null) {
                LOG.info("region {}: holds transactional data; not split by size (raw-key boundaries only)",
                        region.getId());
            }
            return;
        }
        if (measure.splitKeys().isEmpty()) {
            return;
        }
        LOG.info("region {}: {} bytes, {} keys, beyond the split thresholds; splitting at {} keys", region.getId(),
                measure.sizeBytes(), measure.keys(), measure.splitKeys().size());
        router.send(region.getId(), new PeerMsg.SplitRegion(region.getRegionEpoch(), measure.splitKeys(),
                new Callback(result -> {
                    if (result.isError()) {
                        LOG.info("region {}: split not done: {}", region.getId(),
                                result.response().getHeader().getError().getMessage());
                    }
                })));
    }

    /**
     * Scans {@code region} as of one engine snapshot. Split keys are returned only when the region
     * exceeds a max threshold; the last piece is never empty.
     */
    static Measure measure(Engines engines, Metapb.Region region, SplitCheckConfig config) {
        byte[] start = Keys.dataKey(region.getStartKey().toByteArray());
        byte[] end = Keys.dataEndKey(region.getEndKey().toByteArray());
        long bytes = 0;
        long keys = 0;
        long pieceBytes = 0;
        long pieceKeys = 0;
        List<ByteString> splitKeys = new ArrayList<>();
        try (SnapshotReader reader = engines.kv().snapshot()) {
            for (Cf cf : new Cf[] {Cf.LOCK, Cf.WRITE}) {
                try (KvIterator it = reader.iterator(cf, start, end)) {
                    it.seekToFirst();
                    if (it.valid()) {
                        return new Measure(0, 0, List.of(), true);
                    }
                }
            }
            try (KvIterator it = reader.iterator(Cf.DEFAULT, start, end)) {
                for (it.seekToFirst(); it.valid(); it.next()) {
                    byte[] key = it.key();
                    if (pieceBytes >= config.regionSplitSizeBytes() || pieceKeys >= config.regionSplitKeys()) {
                        // This key starts the next piece.
                        splitKeys.add(ByteString.copyFrom(Arrays.copyOfRange(key, Keys.DATA_MIN_KEY.length, key.length)));
                        pieceBytes = 0;
                        pieceKeys = 0;
                    }
                    long size = key.length - Keys.DATA_MIN_KEY.length + it.value().length;
                    bytes += size;
                    keys++;
                    pieceBytes += size;
                    pieceKeys++;
                }
            }
        }
        boolean tooBig = bytes > config.regionMaxSizeBytes() || keys > config.regionMaxKeys();
        return new Measure(bytes, keys, tooBig ? List.copyOf(splitKeys) : List.of(), false);
    }
}
