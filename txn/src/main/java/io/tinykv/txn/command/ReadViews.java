package io.tinykv.txn.command;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.ReadView;
import java.util.HashSet;

/** The read view a request asks for through its context. */
final class ReadViews {

    private ReadViews() {}

    static ReadView of(Kvrpcpb.Context ctx, long readTs) {
        return new ReadView(readTs, new HashSet<>(ctx.getResolvedLocksList()),
                ctx.getIsolationLevel() == Kvrpcpb.IsolationLevel.RC);
    }
}
