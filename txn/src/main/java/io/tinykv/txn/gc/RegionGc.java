package io.tinykv.txn.gc;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.RegionException;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.command.GcKeys;
import io.tinykv.txn.command.KeyErrorException;
import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One GC pass over one region: a scan of its commit records (a snapshot, no latches) finds the
 * keys with garbage below the safe point, a batch at a time, and each batch is collected by a
 * {@link GcKeys} command (latched, re-checked, written through Raft). The caller's
 * {@link Throttle} paces the writes.
 *
 * <p>Runs on a GC worker thread, never on the Raft thread.
 */
public final class RegionGc {

    /**
     * @param batchKeys keys collected per write
     * @param maxRecordsPerKey commit records of one key looked at per write
     */
    public record Settings(int batchKeys, int maxRecordsPerKey) {
        public Settings {
            if (batchKeys < 1) {
                throw new IllegalArgumentException("gc batch-keys must be >= 1, got " + batchKeys);
            }
            if (maxRecordsPerKey < 2) {
                throw new IllegalArgumentException("gc max-records-per-key must be >= 2, got " + maxRecordsPerKey);
            }
        }
    }

    /** Paces GC's writes (a rate limit); may block. */
    @FunctionalInterface
    public interface Throttle {
        Throttle NONE = removed -> {};

        void pace(int removedRecords) throws InterruptedException;
    }

    /** What a pass did. */
    public record Stats(long keysCollected, long removedRecords) {}

    private final TxnCommands commands;
    private final Settings settings;

    public RegionGc(TxnCommands commands, Settings settings) {
        this.commands = commands;
        this.settings = settings;
    }

    /**
     * Collects the region's garbage below {@code safePoint}.
     *
     * @param ctx the region, epoch and this store's peer; a region error (not the leader, epoch
     *     changed) ends the pass
     * @throws RegionException when the region cannot be read or written here
     * @throws KeyErrorException when a GC write is refused
     */
    public Stats run(Kvrpcpb.Context ctx, long safePoint, Throttle throttle) throws InterruptedException {
        KeyRange region = commands.regionBounds().rangeOf(ctx);
        byte[] from = region.start();
        long keys = 0;
        long removed = 0;
        while (from != null) {
            Candidates found;
            try (MvccReader snapshot = new MvccReader(commands.storage().reader(ctx))) {
                found = candidates(snapshot, new KeyRange(from, region.end()), safePoint, settings.batchKeys());
            }
            if (!found.keys().isEmpty()) {
                GcKeys.Result result =
                        commands.run(new GcKeys(ctx, found.keys(), safePoint, settings.maxRecordsPerKey()));
                if (result.regionError() != null) {
                    throw new RegionException(result.regionError());
                }
                if (result.error() != null) {
                    throw new KeyErrorException(result.error());
                }
                keys += found.keys().size();
                removed += result.removedRecords();
                throttle.pace(result.removedRecords());
            }
            from = found.resumeFrom();
        }
        return new Stats(keys, removed);
    }

    /** Keys with garbage, and where the next scan starts (null: the range is done). */
    record Candidates(List<byte[]> keys, byte[] resumeFrom) {}

    /**
     * Up to {@code limit} keys of {@code range} that have something to remove below the safe
     * point: more than one record at or below it, or a newest one that is not a Put.
     */
    static Candidates candidates(MvccReader snapshot, KeyRange range, long safePoint, int limit) {
        List<byte[]> keys = new ArrayList<>();
        byte[][] resume = {null};
        KeyState state = new KeyState();
        snapshot.scanWrites(range, (userKey, record) -> {
            if (state.key == null || !Arrays.equals(state.key, userKey)) {
                if (state.hasGarbage()) {
                    keys.add(state.key);
                }
                if (keys.size() >= limit) {
                    resume[0] = userKey;
                    state.key = null;
                    return false;
                }
                state.start(userKey);
            }
            state.add(record, safePoint);
            return true;
        });
        if (state.key != null && state.hasGarbage()) {
            keys.add(state.key);
        }
        return new Candidates(keys, resume[0]);
    }

    /** The records at or below the safe point of the key being scanned. */
    private static final class KeyState {
        byte[] key;
        int belowCount;
        WriteKind newestBelow;

        void start(byte[] userKey) {
            key = userKey;
            belowCount = 0;
            newestBelow = null;
        }

        void add(CommittedWrite record, long safePoint) {
            if (Timestamps.after(record.commitTs(), safePoint)) {
                return;
            }
            if (belowCount == 0) {
                newestBelow = record.kind();
            }
            belowCount++;
        }

        boolean hasGarbage() {
            return belowCount > 1 || (belowCount == 1 && newestBelow != WriteKind.PUT);
        }
    }
}
