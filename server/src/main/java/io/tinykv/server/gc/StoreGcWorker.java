package io.tinykv.server.gc;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.UserKeyReader;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.command.KeyErrorException;
import io.tinykv.txn.command.KeyErrors;
import io.tinykv.txn.gc.RegionGc;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.Timestamps;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store's MVCC GC, one round every {@code run-interval} on a thread of its own (never the Raft
 * thread), in this order:
 *
 * <ol>
 *   <li><b>Report the oldest lock</b> on this store (every region it holds a replica of) to the
 *       scheduler as the service safe point {@code tinykv-store-<id>}, or remove it when there is
 *       none. The scheduler never moves the safe point past a live service safe point, so no lock
 *       exists below the safe point a store collects with: a transaction's primary commit record
 *       (which its leftover secondary locks are resolved by) is never collected while such a lock
 *       remains. This is TiKV's "resolve locks below the safe point first", enforced the other way
 *       round: the safe point waits for the locks instead of the locks being resolved to let it
 *       pass. (A lock of a crashed client therefore holds GC back until a reader resolves it.)
 *   <li><b>Learn the safe point</b> and raise the store's {@link SafePointGuard} to it, so reads
 *       and prewrites below it are refused before anything below it is removed.
 *   <li><b>Collect</b> each region this store leads ({@link RegionGc}): through latches and Raft
 *       like any write, at most {@code max-write-records-per-sec}. A region whose leader is
 *       elsewhere, or whose epoch changed (split, conf change) answers with a region error and
 *       is left to its leader or to the next round.
 *   <li><b>Compact</b> each region's range, leader or follower, once enough of it was removed
 *       since its last compaction ({@link GcCompactor}): deletes alone do not shrink the disk.
 * </ol>
 *
 * <p>A round that cannot reach the scheduler collects nothing (it would not know how far it may
 * go). Thread-safe: {@link #runOnce} is called by one thread at a time.
 */
public final class StoreGcWorker {

    private static final Logger LOG = LoggerFactory.getLogger(StoreGcWorker.class);
    /** A report outlives this many missed rounds before the scheduler forgets it. */
    private static final int REPORT_TTL_ROUNDS = 6;

    private static final long MIN_REPORT_TTL_SECONDS = 10;

    /** What one round did. */
    public record Round(
            long safePoint, OptionalLong oldestLock, int regionsCollected, long removedRecords, int regionsCompacted) {}

    private final long storeId;
    private final Engines engines;
    private final Supplier<List<Long>> regionIds;
    private final TxnCommands commands;
    private final SafePointGuard guard;
    private final GcSchedulerApi scheduler;
    private final StoreGcConfig config;
    private final LongSupplier nanoClock;
    private final RecordRateLimiter.Sleeper sleeper;
    private final RegionGc regionGc;
    private final GcCompactor compactor;

    public StoreGcWorker(
            long storeId,
            Engines engines,
            Supplier<List<Long>> regionIds,
            TxnCommands commands,
            SafePointGuard guard,
            GcSchedulerApi scheduler,
            StoreGcConfig config,
            LongSupplier nanoClock) {
        this(storeId, engines, regionIds, commands, guard, scheduler, config, nanoClock, TimeUnit.NANOSECONDS::sleep);
    }

    StoreGcWorker(
            long storeId,
            Engines engines,
            Supplier<List<Long>> regionIds,
            TxnCommands commands,
            SafePointGuard guard,
            GcSchedulerApi scheduler,
            StoreGcConfig config,
            LongSupplier nanoClock,
            RecordRateLimiter.Sleeper sleeper) {
        this.storeId = storeId;
        this.engines = engines;
        this.regionIds = regionIds;
        this.commands = commands;
        this.guard = guard;
        this.scheduler = scheduler;
        this.config = config;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
        this.regionGc = new RegionGc(commands, new RegionGc.Settings(config.batchKeys(), config.maxRecordsPerKey()));
        this.compactor = new GcCompactor(engines.kv(), config.compactMinTombstones());
    }

    /** The service id this store holds the safe point under. */
    public static String serviceId(long storeId) {
        return "tinykv-store-" + storeId;
    }

    /**
     * One round: report, learn, collect.
     *
     * @throws RuntimeException when the scheduler cannot be reached (nothing was collected)
     */
    public Round runOnce() throws InterruptedException {
        OptionalLong oldestLock = oldestLock();
        long ttlSeconds = Math.max(
                MIN_REPORT_TTL_SECONDS,
                TimeUnit.MILLISECONDS.toSeconds(REPORT_TTL_ROUNDS * config.runIntervalMillis()));
        if (oldestLock.isPresent()) {
            if (!scheduler.holdSafePoint(serviceId(storeId), ttlSeconds, oldestLock.getAsLong())) {
                LOG.warn(
                        "store {}: a lock at {} lies below the GC safe point already",
                        storeId,
                        Timestamps.format(oldestLock.getAsLong()));
            }
        } else {
            scheduler.holdSafePoint(serviceId(storeId), 0, 0);
        }
        long safePoint = scheduler.gcSafePoint();
        guard.advanceTo(safePoint);
        if (safePoint == 0) {
            return new Round(safePoint, oldestLock, 0, 0, 0);
        }
        RecordRateLimiter limiter = new RecordRateLimiter(config.maxRecordsPerSecond(), nanoClock, sleeper);
        List<Long> here = regionIds.get();
        compactor.retainOnly(here);
        int regions = 0;
        int compacted = 0;
        long removed = 0;
        for (long regionId : here) {
            Optional<Metapb.Region> region = liveRegion(regionId);
            if (region.isEmpty()) {
                continue;
            }
            try {
                long removedHere = regionGc.run(contextOf(region.get()), safePoint, limiter)
                        .removedRecords();
                compactor.removed(regionId, removedHere);
                removed += removedHere;
                regions++;
            } catch (RegionException e) {
                // A follower here (or an epoch that moved): its leader collects, and the deletes
                // reach this replica through Raft; the compaction check below still applies.
                LOG.debug(
                        "store {}: GC of region {} skipped: {}",
                        storeId,
                        regionId,
                        e.error().getMessage());
            } catch (KeyErrorException e) {
                LOG.warn("store {}: GC of region {} refused: {}", storeId, regionId, KeyErrors.describe(e.keyError()));
            }
            if (compactor.maybeCompact(region.get())) {
                compacted++;
            }
        }
        if (removed > 0) {
            LOG.info(
                    "store {}: GC below {} removed {} records in {} regions",
                    storeId,
                    Timestamps.format(safePoint),
                    removed,
                    regions);
        }
        return new Round(safePoint, oldestLock, regions, removed, compacted);
    }

    /** The oldest lock among every region this store holds data of. */
    private OptionalLong oldestLock() {
        try (MvccReader all = new MvccReader(new UserKeyReader(engines.kv().snapshot()))) {
            return all.oldestLockStartTs(KeyRange.ALL);
        }
    }

    /** The region as this store last applied it, if its peer here is live. */
    private Optional<Metapb.Region> liveRegion(long regionId) {
        RegionLocalState state =
                engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(regionId), RegionLocalState.parser());
        if (state == null || state.getState() != PeerState.Normal) {
            return Optional.empty();
        }
        Metapb.Region region = state.getRegion();
        return region.getPeersList().stream().anyMatch(p -> p.getStoreId() == storeId)
                ? Optional.of(region)
                : Optional.empty();
    }

    /** The context addressing this store's peer of {@code region}. */
    private Kvrpcpb.Context contextOf(Metapb.Region region) {
        Metapb.Peer peer = region.getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .findFirst()
                .orElseThrow();
        return Kvrpcpb.Context.newBuilder()
                .setRegionId(region.getId())
                .setRegionEpoch(region.getRegionEpoch())
                .setPeer(peer)
                .build();
    }

    /** Range compactions after GC so far. */
    public long compactions() {
        return compactor.compactions();
    }
}
