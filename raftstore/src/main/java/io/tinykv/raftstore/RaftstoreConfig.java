package io.tinykv.raftstore;

/**
 * Settings of the raftstore, validated at construction.
 *
 * @param electionTicks Raft ticks without a leader before a follower campaigns
 * @param heartbeatTicks Raft ticks between a leader's heartbeats
 * @param maxSizePerMsgBytes byte limit of the entries in one append message
 * @param maxInflightMsgs append messages in flight per follower
 * @param raftEntryMaxSizeBytes largest command accepted into the log; larger ones are refused
 *     with RaftEntryTooLarge
 */
public record RaftstoreConfig(
        int electionTicks,
        int heartbeatTicks,
        long maxSizePerMsgBytes,
        int maxInflightMsgs,
        long raftEntryMaxSizeBytes) {

    public static final int DEFAULT_ELECTION_TICKS = 10;
    public static final int DEFAULT_HEARTBEAT_TICKS = 2;
    public static final long DEFAULT_MAX_SIZE_PER_MSG_BYTES = 1024 * 1024;
    public static final int DEFAULT_MAX_INFLIGHT_MSGS = 256;
    /** 8 MiB, TiKV's default raft-entry-max-size. */
    public static final long DEFAULT_RAFT_ENTRY_MAX_SIZE_BYTES = 8L * 1024 * 1024;

    public RaftstoreConfig {
        if (heartbeatTicks <= 0) {
            throw new IllegalArgumentException("heartbeatTicks must be > 0, got " + heartbeatTicks);
        }
        if (electionTicks <= heartbeatTicks) {
            throw new IllegalArgumentException("electionTicks (" + electionTicks
                    + ") must be greater than heartbeatTicks (" + heartbeatTicks + ")");
        }
        if (maxSizePerMsgBytes <= 0) {
            throw new IllegalArgumentException("maxSizePerMsgBytes must be > 0, got " + maxSizePerMsgBytes);
        }
        if (maxInflightMsgs <= 0) {
            throw new IllegalArgumentException("maxInflightMsgs must be > 0, got " + maxInflightMsgs);
        }
        if (raftEntryMaxSizeBytes <= 0) {
            throw new IllegalArgumentException("raftEntryMaxSizeBytes must be > 0, got " + raftEntryMaxSizeBytes);
        }
    }

    public static RaftstoreConfig defaults() {
        return new RaftstoreConfig(DEFAULT_ELECTION_TICKS, DEFAULT_HEARTBEAT_TICKS,
                DEFAULT_MAX_SIZE_PER_MSG_BYTES, DEFAULT_MAX_INFLIGHT_MSGS, DEFAULT_RAFT_ENTRY_MAX_SIZE_BYTES);
    }
}
