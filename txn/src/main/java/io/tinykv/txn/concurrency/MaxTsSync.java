package io.tinykv.txn.concurrency;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a region's current leadership may compute commit timestamps from this store's
 * {@code max_ts} (TiKV's "max ts synced" flag).
 *
 * <p>{@code max_ts} lives in one store's memory. Reads of a region served by its previous leader on
 * another store (or by this store before it restarted) raised that store's {@code max_ts}, not ours.
 * So when a peer here leads a region in a term it has not synced yet, one-phase prewrites on that
 * region are not allowed until this store has fetched a timestamp from the scheduler's TSO, asked
 * <em>after</em> the peer was seen leading in that term, and raised {@code max_ts} to it. Why that
 * suffices: a read the old leader served had its read ts from TSO before it was served; it was
 * served while the old leader still held its lease or had just confirmed its leadership by ReadIndex,
 * i.e. before this peer won the election; so before we looked, and before our TSO request, whose
 * answer is therefore larger than the read ts.
 *
 * <p>Until then such prewrites fall back to the ordinary two-phase commit, which takes its commit
 * ts from TSO and needs no {@code max_ts}; the first one starts the fetch. A leadership is known by
 * the term in which the snapshot of a request was taken (term 0: no leader, never synced).
 *
 * <p>Thread-safe.
 */
public final class MaxTsSync {

    private static final Logger LOG = LoggerFactory.getLogger(MaxTsSync.class);

    private final ConcurrencyManager manager;
    private final Supplier<CompletableFuture<Long>> tso;
    /** Region id to the largest term whose leadership has synced. */
    private final Map<Long, Long> syncedTerm = new ConcurrentHashMap<>();
    /** Region id to the term whose sync is under way. */
    private final Map<Long, Long> syncing = new ConcurrentHashMap<>();

    /**
     * @param tso fetches a fresh timestamp from the scheduler (a failed future: try again on the
     *     next prewrite); null where there is none (a standalone store), which never syncs
     */
    public MaxTsSync(ConcurrencyManager manager, Supplier<CompletableFuture<Long>> tso) {
        this.manager = manager;
        this.tso = tso;
    }

    /** A sync without a TSO: one-phase prewrites always fall back to two phases. */
    public static MaxTsSync never(ConcurrencyManager manager) {
        return new MaxTsSync(manager, null);
    }

    public ConcurrencyManager manager() {
        return manager;
    }

    /**
     * Whether the leadership of {@code regionId} in {@code term} has synced {@code max_ts}; if not,
     * starts the sync (once per region and term at a time).
     */
    public boolean isSynced(long regionId, long term) {
        if (term == 0 || tso == null) {
            return false;
        }
        if (syncedIn(regionId, term)) {
            return true;
        }
        start(regionId, term);
        // A TSO that answers at once (in tests) has synced already.
        return syncedIn(regionId, term);
    }

    private boolean syncedIn(long regionId, long term) {
        Long synced = syncedTerm.get(regionId);
        return synced != null && synced == term;
    }

    private void start(long regionId, long term) {
        Long previous = syncing.putIfAbsent(regionId, term);
        if (previous != null) {
            return;
        }
        CompletableFuture<Long> fetch;
        try {
            fetch = tso.get();
        } catch (RuntimeException e) {
            fetch = CompletableFuture.failedFuture(e);
        }
        fetch.whenComplete((ts, failure) -> {
            if (failure == null) {
                manager.updateMaxTs(ts);
                syncedTerm.merge(regionId, term, Math::max);
                LOG.debug("region {} term {}: max_ts synced to {}", regionId, term, Long.toUnsignedString(ts));
            } else {
                LOG.info(
                        "region {} term {}: could not sync max_ts from TSO (one-phase commits fall back to two): {}",
                        regionId,
                        term,
                        failure.toString());
            }
            syncing.remove(regionId, term);
        });
    }
}
