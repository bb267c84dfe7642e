package io.tinykv.txn.command;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Modify;
import io.tinykv.txn.gc.VersionGc;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import java.util.ArrayList;
import java.util.List;

/**
 * MVCC GC of some keys of one region: removes, under the keys' latches and through Raft like any
 * write, the versions no reader at or above {@code safePoint} can need ({@link VersionGc}). At
 * most {@code maxRecordsPerKey} records of a key are looked at, so one pass over a key with a long
 * history stays bounded; the next pass goes on where this one stopped.
 *
 * @param keys distinct user keys of the region, found by a scan outside the latches; checked
 *     again here
 */
public record GcKeys(Kvrpcpb.Context context, List<byte[]> keys, long safePoint, int maxRecordsPerKey)
        implements Command<GcKeys.Result> {

    /** How many commit records went; or why nothing did. */
    public record Result(int removedRecords, Errorpb.Error regionError, Kvrpcpb.KeyError error) {}

    public GcKeys {
        keys = List.copyOf(keys);
        if (maxRecordsPerKey < 2) {
            throw new IllegalArgumentException("maxRecordsPerKey must be >= 2, got " + maxRecordsPerKey);
        }
    }

    @Override
    public List<byte[]> latchKeys() {
        return keys;
    }

    @Override
    public Outcome<Result> execute(MvccReader snapshot, KeyRange region) {
        Requests.requireInRegion(context, region, keys);
        List<Modify> writes = new ArrayList<>();
        for (byte[] key : keys) {
            writes.addAll(VersionGc.garbage(key, snapshot.versionsAtOrBelow(key, safePoint, maxRecordsPerKey)));
        }
        return new Outcome<>(new Result(VersionGc.removedRecords(writes), null, null), writes);
    }

    @Override
    public Result regionError(Errorpb.Error error) {
        return new Result(0, error, null);
    }

    @Override
    public Result keyError(Kvrpcpb.KeyError error) {
        return new Result(0, null, error);
    }
}
