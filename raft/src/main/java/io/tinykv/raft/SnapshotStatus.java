package io.tinykv.raft;

/** Outcome of sending a snapshot, as reported back by the application. */
public enum SnapshotStatus {
    FINISH,
    FAILURE
}
