package io.tinykv.txn.command;

import io.tinykv.proto.Kvrpcpb;

/**
 * A command stops with a transaction error for the client, in kvproto's shape. Nothing the command
 * buffered is written.
 */
public class KeyErrorException extends RuntimeException {

    private final transient Kvrpcpb.KeyError keyError;

    public KeyErrorException(Kvrpcpb.KeyError keyError) {
        super(KeyErrors.describe(keyError));
        this.keyError = keyError;
    }

    public Kvrpcpb.KeyError keyError() {
        return keyError;
    }
}
