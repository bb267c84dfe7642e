package io.tinykv.client;

import com.google.protobuf.ByteString;

/**
 * A read kept meeting a lock of another transaction that is still alive (its TTL has not expired and it
 * has neither committed nor rolled back), until the backoff budget ran out. Nothing was changed; the
 * reading transaction stays active and may read again. (A prewrite that waits in vain fails the commit
 * with {@link TxnAbortedException} instead.)
 */
public final class KeyLockedException extends TxnException {
    private final ByteString key;
    private final long lockTs;

    public KeyLockedException(long startTs, ByteString key, long lockTs, String message) {
        super(startTs, message, null);
        this.key = key;
        this.lockTs = lockTs;
    }

    /** The locked key. */
    public ByteString key() {
        return key;
    }

    /** The start timestamp of the transaction holding the lock. */
    public long lockTs() {
        return lockTs;
    }
}
