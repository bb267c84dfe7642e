package io.tinykv.raft;

/**
 * When a leader tells its followers a new commit index (raft-rs's {@code skip_bcast_commit}).
 *
 * <p>A follower needs the commit index only to apply; nothing a client was promised waits on it. So
 * a leader under steady load can leave it to the next message it sends anyway — the next append
 * carries it, and so does every heartbeat — and save each follower a message and a round per
 * commit. An entry the followers must apply promptly (a split that creates their new peers) is
 * marked with {@link RawNode#broadcastCommitOf}; a follower's read is sent the commit index with its
 * read index.
 */
public enum CommitBroadcast {
    /** An empty append carrying the new commit index goes to each follower at the end of the round (etcd's raft). */
    EAGER,
    /**
     * The new commit index rides on the next append or heartbeat. Still sent at once to a follower
     * when it covers a conf change (or a new leader's first commit), so membership changes reach the
     * followers without waiting for a heartbeat.
     */
    WITH_NEXT_MESSAGE
}
