/**
 * Raft consensus as a pure, deterministic state machine, after etcd's raft package.
 *
 * <p>The application drives a {@link io.tinykv.raft.RawNode}: it feeds ticks, proposals and network
 * messages in, and takes {@link io.tinykv.raft.Ready}s out (entries and hard state to persist,
 * messages to send, committed entries to apply). Nothing here does IO, starts threads, reads a
 * clock or draws randomness other than from the {@link java.util.random.RandomGenerator} passed in.
 *
 * <p>Inside: {@code Raft} holds the rules common to all roles (terms, votes, role transitions,
 * elections, sending, membership); {@code LeaderStep} and {@code FollowerStep} handle the
 * role-specific messages; {@code RaftLog} (storage + {@code Unstable}) is the log;
 * {@code ProgressTracker}, {@code Progress} and {@code Inflights} track replication per follower;
 * {@code Quorum} is the majority arithmetic (learners excluded); {@code ReadOnly} keeps the
 * pending ReadIndex requests.
 *
 * <p>Supported: pre-vote, check-quorum with leader lease, learners, single-step membership
 * changes (at most one pending), leader transfer, ReadIndex (safe and lease-based), flow control
 * with an inflight window, fast log back-off, and a limit on uncommitted bytes.
 */
package io.tinykv.raft;
