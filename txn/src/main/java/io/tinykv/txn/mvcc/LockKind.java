package io.tinykv.txn.mvcc;

import io.tinykv.proto.Kvrpcpb;

/** What a prewritten key will become when its transaction commits. */
public enum LockKind {
    PUT('P', Kvrpcpb.Op.Put, WriteKind.PUT),
    DELETE('D', Kvrpcpb.Op.Del, WriteKind.DELETE),
    /** A lock without a data change; does not block readers. */
    LOCK('L', Kvrpcpb.Op.Lock, WriteKind.LOCK);

    private final byte code;
    private final Kvrpcpb.Op op;
    private final WriteKind commitKind;

    LockKind(char code, Kvrpcpb.Op op, WriteKind commitKind) {
        this.code = (byte) code;
        this.op = op;
        this.commitKind = commitKind;
    }

    byte code() {
        return code;
    }

    static LockKind fromCode(int code) {
        for (LockKind kind : values()) {
            if ((kind.code & 0xFF) == code) {
                return kind;
            }
        }
        return null;
    }

    /** The operation as kvproto's {@code LockInfo.lock_type} names it. */
    public Kvrpcpb.Op op() {
        return op;
    }

    /** The kind of commit record this lock turns into. */
    public WriteKind commitKind() {
        return commitKind;
    }
}
