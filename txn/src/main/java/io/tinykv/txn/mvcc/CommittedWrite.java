package io.tinykv.txn.mvcc;

import java.util.Objects;

/** A {@link Write} record together with the commit ts its engine key carries. */
public record CommittedWrite(long commitTs, Write write) {

    public CommittedWrite {
        Objects.requireNonNull(write, "write");
    }

    public WriteKind kind() {
        return write.kind();
    }
}
