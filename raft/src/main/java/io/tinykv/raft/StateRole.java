package io.tinykv.raft;

/** The role a node plays in its current term. */
public enum StateRole {
    FOLLOWER,
    PRE_CANDIDATE,
    CANDIDATE,
    LEADER
}
