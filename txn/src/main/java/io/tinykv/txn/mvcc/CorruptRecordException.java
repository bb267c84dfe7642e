package io.tinykv.txn.mvcc;

import io.tinykv.storage.StorageException;

/**
 * Bytes read from the engine are not a valid MVCC key, lock or write record. Never ignored: a
 * record we cannot read is a record we must not guess about.
 */
public final class CorruptRecordException extends StorageException {

    public CorruptRecordException(String message) {
        super(message);
    }
}
