package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.HardState;
import java.util.Map;

/** A snapshot of a node's state for diagnostics; {@code progress} is empty unless leader. */
public record Status(
        long id, HardState hardState, SoftState softState, long appliedIndex, Map<Long, ProgressView> progress) {
    public Status {
        progress = Map.copyOf(progress);
    }
}
