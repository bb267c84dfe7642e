package io.tinykv.client;

import com.google.protobuf.ByteString;

/**
 * Prewrite found that another transaction committed one of our keys after we started (first
 * committer wins), or a newer record of another kind that rules the prewrite out as TiKV's does: the
 * rollback record of a younger transaction, or our own rollback (a reader found our locks expired). The
 * transaction was rolled back; running it again from {@code begin()} reads the newer data and may
 * succeed. The message says which record it was.
 */
public final class WriteConflictException extends TxnAbortedException {
    private final ByteString key;
    private final long conflictCommitTs;

    public WriteConflictException(long startTs, ByteString key, long conflictCommitTs, String message) {
        super(startTs, message);
        this.key = key;
        this.conflictCommitTs = conflictCommitTs;
    }

    /** The key written by the other transaction. */
    public ByteString key() {
        return key;
    }

    /**
     * The ts of the record met: when the other transaction committed the key, or, for a rollback record,
     * the start ts of the transaction rolled back (ours, when we were rolled back before our prewrite).
     */
    public long conflictCommitTs() {
        return conflictCommitTs;
    }
}
