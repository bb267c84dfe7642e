package io.tinykv.raftstore.split;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.PeerMsg;
import io.tinykv.raftstore.Router;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * <p>What is counted: key and value bytes of every column family in the region's range, and entries
 * of the {@code default} and {@code write} column families (one per raw pair; one per version of a
 * transactional key, and one more for a large value). The column families are walked together in key
 * order, and a piece ends every {@code regionSplitSizeBytes} or {@code regionSplitKeys}, whichever
 * comes first, at a whole user key ({@link SplitKeys}): the versions and the lock of one transactional
 * key always stay in one region. A region is split only once it exceeds the max size or max keys.
 *
 * <p>Which regions are measured on a tick is each peer's {@link SplitCheckState}: those that may
 * have grown since their last check, and those whose last check found them too big until they are
 * split (a split that was asked for and lost is asked for again).
 *
 * <p>{@link #onCheckTick} and {@link #onChecked} run on the Raft thread; the scans on the workers.
 */
public final class SplitChecker {

    private static final Logger LOG = LoggerFactory.getLogger(SplitChecker.class);

    /** A scan's result: size, keys and where to cut. */
    record Measure(long sizeBytes, long keys, List<ByteString> splitKeys) {}

    private final SplitCheckConfig config;
    private final Engines engines;
    private final Executor workers;
    private final Router router;

    public SplitChecker(SplitCheckConfig config, Engines engines, Executor workers, Router router) {
        this.config = Objects.requireNonNull(config, "config");
        this.engines = Objects.requireNonNull(engines, "engines");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.router = Objects.requireNonNull(router, "router");
    }

    /**
     * A leader whose region may have outgrown the thresholds since its last check ({@link
     * SplitCheckState}) is measured on a worker; the result comes back as a {@link PeerMsg.SplitChecked}.
     */
    public void onCheckTick(Peer peer) {
        if (!peer.isLeader() || peer.region().getPeersCount() == 0) {
            return;
        }
        Metapb.Region region = peer.region();
        long term = peer.term();
        long applied = peer.storage().appliedIndex();
        long version = region.getRegionEpoch().getVersion();
        if (!peer.splitCheckState().shouldCheck(term, applied, version)) {
            return;
        }
        peer.splitCheckState().onAsked(term, applied, version);
        workers.execute(() -> check(region, applied));
    }

    /**
     * A check finished: it is recorded, and a region beyond the thresholds is to be split at the
     * returned request (null: nothing to split). The request is at the epoch the check saw, so a
     * region that changed meanwhile is refused by the proposer.
     */
    public PeerMsg.SplitRegion onChecked(Peer peer, PeerMsg.SplitChecked checked) {
        if (!checked.measured()) {
            peer.splitCheckState().onAbandoned();
            return null;
        }
        Metapb.RegionEpoch epoch = checked.epoch();
        peer.splitCheckState()
                .onChecked(
                        checked.appliedIndex(),
                        epoch.getVersion(),
                        !checked.splitKeys().isEmpty());
        if (checked.splitKeys().isEmpty()) {
            return null;
        }
        long regionId = peer.regionId();
        return new PeerMsg.SplitRegion(epoch, checked.splitKeys(), new Callback(result -> {
            if (result.isError()) {
                // Not lost: the region stays wanted, and the next check asks again.
                LOG.info(
                        "region {}: split not done: {}",
                        regionId,
                        result.response().getHeader().getError().getMessage());
            }
        }));
    }

    private void check(Metapb.Region region, long appliedIndex) {
        Measure measure;
        try {
            measure = measure(engines, region, config);
        } catch (StorageException | IllegalStateException e) {
            LOG.debug("region {}: split check abandoned: {}", region.getId(), e.getMessage());
            router.send(
                    region.getId(), new PeerMsg.SplitChecked(region.getRegionEpoch(), appliedIndex, List.of(), false));
            return;
        }
        if (!measure.splitKeys().isEmpty()) {
            LOG.info(
                    "region {}: {} bytes, {} keys, beyond the split thresholds; splitting at {} keys",
                    region.getId(),
                    measure.sizeBytes(),
                    measure.keys(),
                    measure.splitKeys().size());
        }
        router.send(
                region.getId(),
                new PeerMsg.SplitChecked(region.getRegionEpoch(), appliedIndex, measure.splitKeys(), true));
    }

    /**
     * Scans {@code region} as of one engine snapshot. Split keys are returned only when the region
     * exceeds a max threshold; no piece is empty, so each is above the region's start and the split key
     * before it.
     */
    static Measure measure(Engines engines, Metapb.Region region, SplitCheckConfig config) {
        byte[] start = Keys.dataKey(region.getStartKey().toByteArray());
        byte[] end = Keys.dataEndKey(region.getEndKey().toByteArray());
        long bytes = 0;
        long keys = 0;
        long pieceBytes = 0;
        long pieceKeys = 0;
        List<ByteString> splitKeys = new ArrayList<>();
        // The first key of the piece being measured: a cut must be above it, so no piece is empty.
        ByteString pieceFirst = null;
        try (SnapshotReader reader = engines.kv().snapshot();
                CfWalk walk = new CfWalk(reader, start, end)) {
            for (; walk.valid(); walk.next()) {
                byte[] key = Arrays.copyOfRange(walk.key(), Keys.DATA_MIN_KEY.length, walk.key().length);
                if (pieceBytes >= config.regionSplitSizeBytes() || pieceKeys >= config.regionSplitKeys()) {
                    // This key starts the next piece, at the start of its user key; when that is not
                    // above the piece's first key (versions of one key), the piece grows until one is.
                    ByteString at = ByteString.copyFrom(SplitKeys.boundaryBefore(key));
                    if (ByteString.unsignedLexicographicalComparator().compare(at, pieceFirst) > 0) {
                        splitKeys.add(at);
                        pieceFirst = null;
                        pieceBytes = 0;
                        pieceKeys = 0;
                    }
                }
                if (pieceFirst == null) {
                    pieceFirst = ByteString.copyFrom(key);
                }
                long size = key.length + walk.value().length;
                bytes += size;
                pieceBytes += size;
                if (walk.cf() != Cf.LOCK) {
                    keys++;
                    pieceKeys++;
                }
            }
        }
        boolean tooBig = bytes > config.regionMaxSizeBytes() || keys > config.regionMaxKeys();
        return new Measure(bytes, keys, tooBig ? List.copyOf(splitKeys) : List.of());
    }

    /** The column families of a range walked together, in key order (on equal keys, in {@link Cf} order). */
    private static final class CfWalk implements AutoCloseable {
        private final Cf[] cfs = Cf.values();
        private final KvIterator[] its = new KvIterator[cfs.length];
        private int current = -1;

        CfWalk(SnapshotReader reader, byte[] start, byte[] end) {
            try {
                for (int i = 0; i < cfs.length; i++) {
                    its[i] = reader.iterator(cfs[i], start, end);
                    its[i].seekToFirst();
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            pick();
        }

        boolean valid() {
            return current >= 0;
        }

        void next() {
            its[current].next();
            pick();
        }

        byte[] key() {
            return its[current].key();
        }

        byte[] value() {
            return its[current].value();
        }

        Cf cf() {
            return cfs[current];
        }

        private void pick() {
            current = -1;
            for (int i = 0; i < its.length; i++) {
                if (its[i].valid() && (current < 0 || Arrays.compareUnsigned(its[i].key(), its[current].key()) < 0)) {
                    current = i;
                }
            }
        }

        @Override
        public void close() {
            for (KvIterator it : its) {
                if (it != null) {
                    it.close();
                }
            }
        }
    }
}
