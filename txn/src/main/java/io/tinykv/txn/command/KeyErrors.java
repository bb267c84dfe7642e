package io.tinykv.txn.command;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.KeyCodec;
import io.tinykv.txn.mvcc.Timestamps;

/**
 * The {@code kvrpcpb.KeyError} shapes TiKV answers with, so that TiKV clients react as they would
 * against TiKV (resolve the lock, retry the transaction, or give up).
 */
public final class KeyErrors {

    private KeyErrors() {}

    /** The key is locked by another transaction: the client resolves the lock and retries. */
    public static Kvrpcpb.KeyError locked(Kvrpcpb.LockInfo lock) {
        return Kvrpcpb.KeyError.newBuilder().setLocked(lock).build();
    }

    /**
     * A newer commit (or a rollback of this transaction) exists: TiKV's WriteConflict, which it also
     * marks retryable for older clients.
     *
     * @param rollbackRecord whether the record met is a rollback record (of {@code conflictStartTs}, at
     *                       that ts) or marks this transaction rolled back (an overlapped rollback at
     *                       {@code startTs}), not a commit: the message then says so instead of
     *                       "committed at"
     */
    public static Kvrpcpb.KeyError conflict(
            long startTs,
            long conflictStartTs,
            long conflictCommitTs,
            boolean rollbackRecord,
            byte[] key,
            byte[] primary) {
        String prefix = "write conflict: txn " + Timestamps.format(startTs) + " on key " + KeyCodec.hex(key);
        String message;
        if (rollbackRecord && conflictCommitTs == startTs) {
            message = prefix + " was rolled back before this prewrite (a rollback record at its start ts)";
        } else if (rollbackRecord) {
            message = prefix + " meets the rollback record of txn " + Timestamps.format(conflictStartTs) + " at "
                    + Timestamps.format(conflictCommitTs);
        } else {
            message = prefix + " meets a write of txn " + Timestamps.format(conflictStartTs) + " committed at "
                    + Timestamps.format(conflictCommitTs);
        }
        return Kvrpcpb.KeyError.newBuilder()
                .setConflict(Kvrpcpb.WriteConflict.newBuilder()
                        .setStartTs(startTs)
                        .setConflictTs(conflictStartTs)
                        .setConflictCommitTs(conflictCommitTs)
                        .setKey(ByteString.copyFrom(key))
                        .setPrimary(ByteString.copyFrom(primary)))
                .setRetryable(message)
                .build();
    }

    /** The client may retry the whole transaction (TiKV uses it for TxnLockNotFound). */
    public static Kvrpcpb.KeyError retryable(String message) {
        return Kvrpcpb.KeyError.newBuilder().setRetryable(message).build();
    }

    /** The request cannot succeed as sent. */
    public static Kvrpcpb.KeyError abort(String message) {
        return Kvrpcpb.KeyError.newBuilder().setAbort(message).build();
    }

    public static Kvrpcpb.KeyError txnNotFound(long startTs, byte[] primary) {
        return Kvrpcpb.KeyError.newBuilder()
                .setTxnNotFound(Kvrpcpb.TxnNotFound.newBuilder()
                        .setStartTs(startTs)
                        .setPrimaryKey(ByteString.copyFrom(primary)))
                .build();
    }

    public static Kvrpcpb.KeyError commitTsExpired(long startTs, long commitTs, byte[] key, long minCommitTs) {
        return Kvrpcpb.KeyError.newBuilder()
                .setCommitTsExpired(Kvrpcpb.CommitTsExpired.newBuilder()
                        .setStartTs(startTs)
                        .setAttemptedCommitTs(commitTs)
                        .setKey(ByteString.copyFrom(key))
                        .setMinCommitTs(minCommitTs))
                .build();
    }

    public static Kvrpcpb.KeyError alreadyExist(byte[] key) {
        return Kvrpcpb.KeyError.newBuilder()
                .setAlreadyExist(Kvrpcpb.AlreadyExist.newBuilder().setKey(ByteString.copyFrom(key)))
                .build();
    }

    /** A one-line description, for exception messages and logs. */
    public static String describe(Kvrpcpb.KeyError e) {
        if (e.hasLocked()) {
            return "key is locked by txn " + Timestamps.format(e.getLocked().getLockVersion());
        }
        if (e.hasConflict() || !e.getRetryable().isEmpty()) {
            return e.getRetryable();
        }
        if (!e.getAbort().isEmpty()) {
            return e.getAbort();
        }
        return e.toString().replace('\n', ' ').trim();
    }
}
