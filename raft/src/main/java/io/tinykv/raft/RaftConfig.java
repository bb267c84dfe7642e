package io.tinykv.raft;

import java.util.Objects;

/**
 * Settings of one Raft node, validated at construction: a bad value throws
 * {@link IllegalArgumentException} naming the setting. The storage is not part of the config; it is
 * passed to {@link RawNode} beside it (and must not be null there).
 *
 * @param id this node's id, never 0 (0 means "none" in messages)
 * @param electionTicks ticks a follower waits without hearing from a leader before campaigning; the
 *     actual timeout is drawn from [electionTicks, 2 * electionTicks)
 * @param heartbeatTicks ticks between a leader's heartbeats; smaller than electionTicks
 * @param appliedIndex on restart, the last index the state machine already applied; committed
 *     entries up to here are not returned again
 * @param maxSizePerMsgBytes byte limit of the entries in one append message (one entry is always
 *     sent even if larger); must be positive
 * @param maxInflightMsgs append messages in flight per follower while pipelining; positive
 * @param maxUncommittedEntriesBytes payload bytes a leader accepts beyond its commit index before
 *     dropping proposals; 0 means unlimited
 * @param checkQuorum a leader steps down when it has not heard from a quorum for an election
 *     timeout, and followers ignore vote requests while they hear from a leader (leader lease)
 * @param preVote candidates first ask whether they could win before raising their term, so a
 *     rejoining partitioned node does not disrupt a healthy leader
 * @param readOnlyOption how ReadIndex confirms leadership; LEASE_BASED requires checkQuorum
 * @param commitBroadcast when a leader tells its followers a new commit index: at once, or with
 *     its next append or heartbeat
 */
public record RaftConfig(
        long id,
        int electionTicks,
        int heartbeatTicks,
        long appliedIndex,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long maxUncommittedEntriesBytes,
        boolean checkQuorum,
        boolean preVote,
        ReadOnlyOption readOnlyOption,
        CommitBroadcast commitBroadcast) {

    public static final int DEFAULT_ELECTION_TICKS = 10;
    public static final int DEFAULT_HEARTBEAT_TICKS = 1;
    public static final long DEFAULT_MAX_SIZE_PER_MSG_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_INFLIGHT_MSGS = 256;
    /** Sentinel for {@link #maxUncommittedEntriesBytes}: no limit. */
    public static final long UNLIMITED_UNCOMMITTED_BYTES = 0;

    public RaftConfig {
        if (id == 0) {
            throw new IllegalArgumentException("id must not be 0 (0 is reserved for \"no node\")");
        }
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("heartbeatTicks must be > 0, got " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks must be > heartbeatTicks, got electionTicks="
                    + electionTicks + " heartbeatTicks=" + heartbeatTicks);
        }
        if (appliedIndex < 0) {
            throw new IllegalArgumentException("appliedIndex must be >= 0, got " + appliedIndex);
        }
        if (maxSizePerMsgBytes <= 0) {
            throw new IllegalArgumentException("maxSizePerMsgBytes must be > 0, got " + maxSizePerMsgBytes);
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be > 0, got " + maxInflightMsgs);
        }
        if (maxUncommittedEntriesBytes < 0) {
            throw new IllegalArgumentException(
                    "maxUncommittedEntriesBytes must be >= 0 (0 = unlimited), got " + maxUncommittedEntriesBytes);
        }
        Objects.requireNonNull(readOnlyOption, "readOnlyOption");
        Objects.requireNonNull(commitBroadcast, "commitBroadcast");
        if (readOnlyOption == ReadOnlyOption.LEASE_BASED && !checkQuorum) {
            throw new IllegalArgumentException(
                    "readOnlyOption LEASE_BASED requires checkQuorum: without it a deposed leader could serve stale reads");
        }
    }

    public static Builder builder(long id) {
        return new Builder(id);
    }

    /** A copy of this config with another applied index (used when restarting a node). */
    public RaftConfig withAppliedIndex(long newAppliedIndex) {
        return new RaftConfig(
                id,
                electionTicks,
                heartbeatTicks,
                newAppliedIndex,
                maxSizePerMsgBytes,
                maxInflightMsgs,
                maxUncommittedEntriesBytes,
                checkQuorum,
                preVote,
                readOnlyOption,
                commitBroadcast);
    }

    /** Builder with defaults suitable for tests and a starting point for production. */
    public static final class Builder {
        private final long id;
        private int electionTicks = DEFAULT_ELECTION_TICKS;
        private int heartbeatTicks = DEFAULT_HEARTBEAT_TICKS;
        private long appliedIndex = 0;
        private long maxSizePerMsgBytes = DEFAULT_MAX_SIZE_PER_MSG_BYTES;
        private int maxInflightMsgs = DEFAULT_MAX_INFLIGHT_MSGS;
        private long maxUncommittedEntriesBytes = UNLIMITED_UNCOMMITTED_BYTES;
        private boolean checkQuorum = false;
        private boolean preVote = false;
        private ReadOnlyOption readOnlyOption = ReadOnlyOption.SAFE;
        private CommitBroadcast commitBroadcast = CommitBroadcast.EAGER;

        private Builder(long id) {
            this.id = id;
        }

        public Builder electionTicks(int value) {
            this.electionTicks = value;
            return this;
        }

        public Builder heartbeatTicks(int value) {
            this.heartbeatTicks = value;
            return this;
        }

        public Builder appliedIndex(long value) {
            this.appliedIndex = value;
            return this;
        }

        public Builder maxSizePerMsgBytes(long value) {
            this.maxSizePerMsgBytes = value;
            return this;
        }

        public Builder maxInflightMsgs(int value) {
            this.maxInflightMsgs = value;
            return this;
        }

        public Builder maxUncommittedEntriesBytes(long value) {
            this.maxUncommittedEntriesBytes = value;
            return this;
        }

        public Builder checkQuorum(boolean value) {
            this.checkQuorum = value;
            return this;
        }

        public Builder preVote(boolean value) {
            this.preVote = value;
            return this;
        }

        public Builder readOnlyOption(ReadOnlyOption value) {
            this.readOnlyOption = value;
            return this;
        }

        public Builder commitBroadcast(CommitBroadcast value) {
            this.commitBroadcast = value;
            return this;
        }

        public RaftConfig build() {
            return new RaftConfig(
                    id,
                    electionTicks,
                    heartbeatTicks,
                    appliedIndex,
                    maxSizePerMsgBytes,
                    maxInflightMsgs,
                    maxUncommittedEntriesBytes,
                    checkQuorum,
                    preVote,
                    readOnlyOption,
                    commitBroadcast);
        }
    }
}
