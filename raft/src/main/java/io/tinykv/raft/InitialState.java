package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.HardState;
import java.util.Objects;

/** What a node restarts from: the persisted hard state and the membership. */
public record InitialState(HardState hardState, ConfState confState) {
    public InitialState {
        Objects.requireNonNull(hardState, "hardState");
        Objects.requireNonNull(confState, "confState");
    }
}
