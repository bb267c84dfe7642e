package io.tinykv.raft;

import com.google.protobuf.ByteString;

/**
 * The answer to a ReadIndex request: once the state machine has applied {@code index}, a read
 * identified by {@code requestCtx} may be served linearizably.
 */
public record ReadState(long index, ByteString requestCtx) {
    public ReadState {
        java.util.Objects.requireNonNull(requestCtx, "requestCtx");
    }
}
