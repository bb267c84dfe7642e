package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.util.List;

/**
 * The durable part of a Raft log, as the raft module reads it. Raft never writes through this
 * interface: the application persists what {@link Ready} hands it and then calls
 * {@link RawNode#advance(Ready)}.
 *
 * <p>Model: the storage holds a snapshot (possibly the empty one at index 0, term 0) and the
 * entries after it. The snapshot's index and term act as a "dummy" entry at
 * {@code firstIndex() - 1}: its term is still answered by {@link #term(long)}, its data is gone.
 * Hence always {@code firstIndex() <= lastIndex() + 1}, and an empty log has
 * {@code lastIndex() == firstIndex() - 1}.
 *
 * <p>Implementations are called from the single thread that owns the {@link RawNode}. A storage
 * error other than the ones documented here (e.g. an IO failure) must be thrown as an unchecked
 * exception; Raft does not catch it, since it cannot continue safely.
 */
public interface Storage {

    /**
     * The state to start from: the last persisted {@code HardState} (term, vote, commit; all zero for
     * a new node) and the membership as of the latest applied configuration.
     */
    InitialState initialState();

    /**
     * The entries with index in {@code [lo, hi)}, in order, their total serialized size limited to
     * {@code maxSizeBytes} — but at least one entry whenever {@code lo < hi}, even if that one is
     * larger than the limit. Returns an empty list when {@code lo == hi}.
     *
     * @throws CompactedException if {@code lo < firstIndex()} (the entries are in a snapshot)
     * @throws UnavailableException if {@code hi > lastIndex() + 1} (entries missing at the end)
     * @throws IllegalArgumentException if {@code lo > hi}
     */
    List<Entry> entries(long lo, long hi, long maxSizeBytes);

    /**
     * The term of the entry at {@code index}, for any index in
     * {@code [firstIndex() - 1, lastIndex()]}; for {@code firstIndex() - 1} it is the snapshot's term.
     *
     * @throws CompactedException if {@code index < firstIndex() - 1}
     * @throws UnavailableException if {@code index > lastIndex()}
     */
    long term(long index);

    /** Index of the first entry still held (snapshot index + 1); at least 1. */
    long firstIndex();

    /** Index of the last entry held, or the snapshot's index when no entries follow it. */
    long lastIndex();

    /**
     * The most recent snapshot, to send to a follower that needs compacted entries. Its index must be
     * at least {@code firstIndex() - 1} (never compact entries a snapshot does not cover), so a
     * follower restored from it can continue with the entries still held. Called only when some
     * entry a follower needs is compacted. A storage that builds snapshots asynchronously may throw
     * to ask the leader to try again later (at the next heartbeat response or append response).
     *
     * @throws SnapshotTemporarilyUnavailableException if the snapshot is being prepared
     */
    Snapshot snapshot();
}
