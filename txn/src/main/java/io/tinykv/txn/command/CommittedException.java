package io.tinykv.txn.command;

import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.Timestamps;

/**
 * A rollback met a transaction that already committed (TiKV's {@code Committed}). Rollback
 * reports it as an abort; Cleanup and CheckSecondaryLocks report the commit ts instead.
 */
final class CommittedException extends KeyErrorException {

    private final long commitTs;

    CommittedException(byte[] key, long startTs, long commitTs) {
        super(KeyErrors.abort("txn " + Timestamps.format(startTs) + " already committed at "
                + Timestamps.format(commitTs) + " on key " + KeyCodec.hex(key)));
        this.commitTs = commitTs;
    }

    long commitTs() {
        return commitTs;
    }
}
