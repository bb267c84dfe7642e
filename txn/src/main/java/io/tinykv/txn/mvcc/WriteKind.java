package io.tinykv.txn.mvcc;

/** What a commit record in the {@code write} column family says happened to its key. */
public enum WriteKind {
    /** The transaction wrote a value. */
    PUT('P'),
    /** The transaction deleted the key. */
    DELETE('D'),
    /** The transaction only locked the key (read-for-update); no data changed. */
    LOCK('L'),
    /** The transaction was rolled back; its start ts can never commit on this key. */
    ROLLBACK('R');

    private final byte code;

    WriteKind(char code) {
        this.code = (byte) code;
    }

    byte code() {
        return code;
    }

    static WriteKind fromCode(int code) {
        for (WriteKind kind : values()) {
            if ((kind.code & 0xFF) == code) {
                return kind;
            }
        }
        return null;
    }

    /** Whether this record changes or removes data (as opposed to Lock and Rollback records). */
    public boolean isData() {
        return this == PUT || this == DELETE;
    }
}
