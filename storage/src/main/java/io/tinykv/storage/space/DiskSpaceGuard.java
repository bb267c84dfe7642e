package io.tinykv.storage.space;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Kvrpcpb.DiskFullOpt;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a store from filling its disk: refuses client writes while free space is under the
 * reserve, so that RocksDB never runs out of space under a client's write, and lets them through
 * again by itself when space comes back (DESIGN.md §6).
 *
 * <p>Free space is sampled ({@link #sample}, run periodically by the owner on a worker), never
 * read per write: {@link #refusal} reads the last sample only. Reads, admin commands and the Raft
 * log's own appends of entries already accepted are not this guard's business and are never
 * refused: the reserve is there for them.
 *
 * <p>Part of the reserve is held in a {@link SpacePlaceholder}. It is deleted when less than half
 * the reserve is left, and at start-up when the disk is already under the reserve (a restart needs
 * room: RocksDB writes a new log and manifest); it is written again once the disk has room for it
 * above the reserve.
 *
 * <p>Thread-safe: {@link #sample} from one thread at a time, the rest from any thread.
 */
public final class DiskSpaceGuard {

    private static final Logger LOG = LoggerFactory.getLogger(DiskSpaceGuard.class);

    /** The placeholder is this share of the reserve (TiKV's 20%)... */
    private static final int RESERVE_PER_PLACEHOLDER = 5;
    /** ...but at most this much: enough for RocksDB to reopen and flush, and quick to write at start-up. */
    static final long MAX_PLACEHOLDER_BYTES = 64L * 1024 * 1024;

    private static final DiskSpaceGuard UNGUARDED = new DiskSpaceGuard(null, null, 0, 0, 0);

    private final FreeSpaceSource source;
    private final SpacePlaceholder placeholder;
    private final long reserveBytes;
    private final long placeholderBytes;
    private volatile long availableBytes;
    private volatile DiskUsage usage = DiskUsage.NORMAL;

    private DiskSpaceGuard(
            FreeSpaceSource source,
            SpacePlaceholder placeholder,
            long reserveBytes,
            long placeholderBytes,
            long availableBytes) {
        this.source = source;
        this.placeholder = placeholder;
        this.reserveBytes = reserveBytes;
        this.placeholderBytes = placeholderBytes;
        this.availableBytes = availableBytes;
    }

    /** A guard that never refuses (no reserve): for tests and stores without a disk of their own. */
    public static DiskSpaceGuard unguarded() {
        return UNGUARDED;
    }

    /**
     * Reads the disk holding {@code dataDir}, makes room for start-up when it is under the reserve
     * (deletes the placeholder), and returns the guard with that reading. The placeholder is
     * (re)written by a later {@link #sample}, on the owner's worker: writing it (up to
     * {@value #MAX_PLACEHOLDER_BYTES} bytes) stays off the start-up path. A reserve of 0 turns the
     * guard off (and deletes a placeholder left by an earlier start).
     *
     * @throws IllegalArgumentException when the reserve is not smaller than the disk
     * @throws IOException when the file system cannot be read or the placeholder not deleted
     */
    public static DiskSpaceGuard open(Path dataDir, ReserveSpace reserve, FreeSpaceSource source) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(reserve, "reserve");
        Objects.requireNonNull(source, "source");
        SpacePlaceholder placeholder = new SpacePlaceholder(dataDir);
        SpaceStats stats = source.read();
        long reserveBytes = reserve.bytesFor(stats.capacityBytes());
        if (reserveBytes == 0) {
            if (placeholder.delete()) {
                LOG.info("no disk space reserve: deleted the placeholder {}", placeholder.file());
            }
            return UNGUARDED;
        }
        if (reserveBytes >= stats.capacityBytes()) {
            throw new IllegalArgumentException("the disk space reserve (storage.reserve-space) of "
                    + describeBytes(reserveBytes) + " must be smaller than the disk holding " + dataDir + " ("
                    + describeBytes(stats.capacityBytes()) + ")");
        }
        long placeholderBytes = Math.min(reserveBytes / RESERVE_PER_PLACEHOLDER, MAX_PLACEHOLDER_BYTES);
        if (stats.availableBytes() <= reserveBytes && placeholder.delete()) {
            LOG.warn(
                    "only {} free on the disk of {}, under the reserve of {}: deleted the space placeholder to "
                            + "make room for start-up",
                    describeBytes(stats.availableBytes()),
                    dataDir,
                    describeBytes(reserveBytes));
        }
        long available = source.read().availableBytes();
        DiskSpaceGuard guard = new DiskSpaceGuard(source, placeholder, reserveBytes, placeholderBytes, available);
        guard.usage = DiskUsage.of(available, reserveBytes);
        LOG.info(
                "disk space reserve {} ({}), placeholder {}; {} free",
                describeBytes(reserveBytes),
                reserve,
                describeBytes(placeholderBytes),
                describeBytes(available));
        return guard;
    }

    /**
     * Reads free space once and updates the level; deletes or rewrites the placeholder when the
     * level calls for it. A file system that cannot be read keeps the last level (and is logged).
     */
    public synchronized void sample() {
        if (source == null) {
            return;
        }
        DiskUsage before = usage;
        try {
            long available = source.read().availableBytes();
            DiskUsage now = DiskUsage.of(available, reserveBytes);
            if (now == DiskUsage.ALREADY_FULL && placeholder.delete()) {
                LOG.warn(
                        "only {} free, under half the reserve of {}: deleted the space placeholder {}",
                        describeBytes(available),
                        describeBytes(reserveBytes),
                        placeholder.file());
                available = source.read().availableBytes();
            } else if (now == DiskUsage.NORMAL) {
                available = refillPlaceholder(available);
            }
            availableBytes = available;
            usage = DiskUsage.of(available, reserveBytes);
        } catch (IOException e) {
            LOG.warn(
                    "cannot read the free space of the disk, keeping the last reading ({} free): {}",
                    describeBytes(availableBytes),
                    e.toString());
            return;
        }
        if (usage != before) {
            if (usage == DiskUsage.NORMAL) {
                LOG.info(
                        "disk space back: {} free, above the reserve of {}; writes are accepted again",
                        describeBytes(availableBytes),
                        describeBytes(reserveBytes));
            } else {
                LOG.warn(
                        "disk {}: {} free, reserve {}; {}",
                        usage.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                        describeBytes(availableBytes),
                        describeBytes(reserveBytes),
                        consequence(usage));
            }
        }
    }

    /** Writes a missing or short placeholder when the disk stays above the reserve with it. */
    private long refillPlaceholder(long available) throws IOException {
        long missing = placeholderBytes - placeholder.sizeBytes();
        if (missing <= 0 || available - missing <= reserveBytes) {
            return available;
        }
        try {
            placeholder.create(placeholderBytes);
            LOG.info("wrote the space placeholder {} ({})", placeholder.file(), describeBytes(placeholderBytes));
        } catch (IOException e) {
            LOG.warn("cannot write the space placeholder {}: {}", placeholder.file(), e.toString());
        }
        return source.read().availableBytes();
    }

    public DiskUsage usage() {
        return usage;
    }

    /** Free bytes at the last sample. */
    public long availableBytes() {
        return availableBytes;
    }

    public long reserveBytes() {
        return reserveBytes;
    }

    public long placeholderBytes() {
        return placeholderBytes;
    }

    /**
     * The check at a store's write edge: returns when {@code batch} may be written now, else
     * throws the region error {@code disk_full} naming this store and why (see {@link #refusal}).
     * Writes that only delete count as deletions.
     *
     * @throws RegionException carrying {@code errorpb.Error.disk_full}
     */
    public void checkWrite(long storeId, Kvrpcpb.Context ctx, List<Modify> batch) {
        boolean deletesOnly =
                batch.stream().allMatch(m -> m instanceof Modify.Delete || m instanceof Modify.DeleteRange);
        String reason = refusal(deletesOnly, ctx.getDiskFullOpt());
        if (reason != null) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("store " + storeId + ": " + reason)
                    .setDiskFull(
                            Errorpb.DiskFull.newBuilder().addStoreId(storeId).setReason(reason))
                    .build());
        }
    }

    /**
     * Whether a client write may go ahead now: null when it may, else why not (for the client).
     * Under the reserve only writes that delete, or that the request allows on an almost full disk
     * (the server marks commits, rollbacks and lock resolution so), pass; under half the reserve
     * only those the request allows on a full disk.
     *
     * @param deletesOnly the write only deletes (it frees space once compacted)
     * @param option what the request allows (kvrpcpb {@code Context.disk_full_opt})
     */
    public String refusal(boolean deletesOnly, DiskFullOpt option) {
        DiskUsage level = usage;
        boolean allowed = switch (level) {
            case NORMAL -> true;
            case ALMOST_FULL ->
                deletesOnly || option == DiskFullOpt.AllowedOnAlmostFull || option == DiskFullOpt.AllowedOnAlreadyFull;
            case ALREADY_FULL -> option == DiskFullOpt.AllowedOnAlreadyFull;
        };
        if (allowed) {
            return null;
        }
        return "disk " + (level == DiskUsage.ALMOST_FULL ? "almost full" : "full") + ": "
                + describeBytes(availableBytes) + " free, under " + (level == DiskUsage.ALMOST_FULL ? "" : "half ")
                + "the reserve of " + describeBytes(reserveBytes) + " (storage.reserve-space); " + consequence(level);
    }

    private static String consequence(DiskUsage level) {
        return level == DiskUsage.ALMOST_FULL
                ? "writes are refused until space is freed; deletions and transaction cleanup are accepted"
                : "every write is refused until space is freed";
    }

    /** {@code 12.5 MiB}: sizes in log lines and client errors. */
    static String describeBytes(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
