package io.tinykv.raftstore;

import java.util.HashSet;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Caps the replicas a store creates empty because a message asked for them (a leader's first
 * heartbeat or a vote request for a region this store does not know). Each costs a mailbox, a Raft
 * node and a slot in every tick; without a cap, messages naming ever new region ids would create
 * them until memory runs out. At the cap, further creations are refused (the message is dropped and
 * a genuine leader asks again on its next heartbeat) until some of the empty replicas got their
 * snapshot or went away.
 *
 * <p>Used under the store's creation lock. Whether a counted replica is still empty is asked of
 * the caller ({@code stillEmpty}); a stale answer only keeps a slot taken a little longer.
 */
public final class UninitializedPeerLimit {

    /** Far more than a store receives at once in normal operation (a scatter of fresh regions). */
    static final int DEFAULT_MAX_PEERS = 1_000;

    private final int maxPeers;
    private final Set<Long> created = new HashSet<>();

    public UninitializedPeerLimit(int maxPeers) {
        if (maxPeers < 1) {
            throw new IllegalArgumentException("maxPeers must be >= 1, got " + maxPeers);
        }
        this.maxPeers = maxPeers;
    }

    /**
     * Whether one more empty replica may be created; {@code stillEmpty} tells which of the earlier
     * ones still count (registered and uninitialized).
     */
    public boolean admit(LongPredicate stillEmpty) {
        if (created.size() >= maxPeers) {
            created.removeIf(id -> !stillEmpty.test(id));
        }
        return created.size() < maxPeers;
    }

    /** Records a created empty replica of {@code regionId}. */
    public void created(long regionId) {
        created.add(regionId);
    }

    int count() {
        return created.size();
    }
}
