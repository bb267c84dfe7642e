package io.tinykv.txn.command;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.MvccReader;
import io.tinykv.txn.mvcc.ReadView;
import java.util.HashSet;

/** The read view a request asks for through its context. */
final class ReadViews {

    private ReadViews() {}

    /**
     * The view at {@code readTs}. A lock listed in {@code resolved_locks} is passed over only when
     * its primary lies in this region and shows, in the same snapshot, that the transaction cannot
     * commit at or below the read; otherwise the lock is reported and the client resolves it (its
     * status check pushes the primary, after which the bypass is proven).
     */
    static ReadView of(Kvrpcpb.Context ctx, long readTs, MvccReader snapshot, KeyRange region) {
        ReadView.CommitFloor floor = (lock, ts) -> {
            byte[] primary = lock.primary();
            return region.contains(primary) && snapshot.cannotCommitAtOrBelow(primary, lock.startTs(), ts);
        };
        return new ReadView(
                readTs,
                new HashSet<>(ctx.getResolvedLocksList()),
                ctx.getIsolationLevel() == Kvrpcpb.IsolationLevel.RC,
                floor);
    }
}
