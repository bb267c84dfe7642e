package io.tinykv.raft;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Storage} held in memory, for tests and the simulator. Not thread-safe: one owner.
 *
 * <p>{@code entries.get(0)} is a dummy entry standing for the snapshot: its index and term are the
 * snapshot's, its data is empty. Real entries follow it contiguously.
 */
public final class MemoryStorage implements Storage {
    private HardState hardState = HardState.getDefaultInstance();
    private Snapshot snapshot;
    private final ArrayList<Entry> entries = new ArrayList<>();

    /** An empty storage: a dummy entry at index 0, term 0, and no members. */
    public MemoryStorage() {
        this(ConfState.getDefaultInstance());
    }

    /**
     * An empty storage whose initial membership is {@code confState}, the usual way to bootstrap a
     * group in tests (as if a snapshot at index 0 carried that membership).
     */
    public MemoryStorage(ConfState confState) {
        Objects.requireNonNull(confState, "confState");
        snapshot = Snapshot.newBuilder()
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setConfState(confState)
                        .setIndex(0)
                        .setTerm(0))
                .build();
        entries.add(dummy(0, 0));
    }

    /** Convenience: an empty storage whose voters are {@code voterIds}. */
    public static MemoryStorage withVoters(long... voterIds) {
        ConfState.Builder cs = ConfState.newBuilder();
        for (long id : voterIds) {
            cs.addVoters(id);
        }
        return new MemoryStorage(cs.build());
    }

    private static Entry dummy(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).build();
    }

    private long offset() {
        return entries.get(0).getIndex();
    }

    @Override
    public InitialState initialState() {
        return new InitialState(hardState, snapshot.getMetadata().getConfState());
    }

    /** Records the hard state to report on the next {@link #initialState()}. */
    public void setHardState(HardState hs) {
        this.hardState = Objects.requireNonNull(hs, "hardState");
    }

    public HardState hardState() {
        return hardState;
    }

    @Override
    public List<Entry> entries(long lo, long hi, long maxSizeBytes) {
        if (lo > hi) {
            throw new IllegalArgumentException("entries: lo " + lo + " > hi " + hi);
        }
        long offset = offset();
        if (lo <= offset) {
            throw new CompactedException("entries: index " + lo + " is compacted (first index " + (offset + 1) + ")");
        }
        if (hi > lastIndex() + 1) {
            throw new UnavailableException("entries: hi " + hi + " is beyond last index " + lastIndex());
        }
        if (lo == hi) {
            return List.of();
        }
        List<Entry> slice = entries.subList((int) (lo - offset), (int) (hi - offset));
        return List.copyOf(Entries.limitSize(slice, maxSizeBytes));
    }

    @Override
    public long term(long index) {
        long offset = offset();
        if (index < offset) {
            throw new CompactedException("term: index " + index + " is compacted (snapshot index " + offset + ")");
        }
        if (index - offset >= entries.size()) {
            throw new UnavailableException("term: index " + index + " is beyond last index " + lastIndex());
        }
        return entries.get((int) (index - offset)).getTerm();
    }

    @Override
    public long firstIndex() {
        return offset() + 1;
    }

    @Override
    public long lastIndex() {
        return offset() + entries.size() - 1;
    }

    @Override
    public Snapshot snapshot() {
        return snapshot;
    }

    /**
     * Replaces the contents with {@code snap}: the log becomes empty after the snapshot's index.
     *
     * @throws SnapshotOutOfDateException if {@code snap} is not newer than the current snapshot
     */
    public void applySnapshot(Snapshot snap) {
        Objects.requireNonNull(snap, "snapshot");
        long index = snap.getMetadata().getIndex();
        long current = snapshot.getMetadata().getIndex();
        if (index <= current) {
            throw new SnapshotOutOfDateException(
                    "applySnapshot: snapshot index " + index + " is not newer than the current " + current);
        }
        snapshot = snap;
        entries.clear();
        entries.add(dummy(index, snap.getMetadata().getTerm()));
    }

    /**
     * Records a snapshot of the state machine as of {@code index} (which the application has
     * applied) and returns it. Entries are kept; call {@link #compact(long)} to drop them.
     *
     * @param confState the membership at {@code index}; null keeps the previous snapshot's
     * @throws SnapshotOutOfDateException if {@code index} is not above the current snapshot's index
     * @throws IllegalArgumentException if {@code index} is beyond the last index
     */
    public Snapshot createSnapshot(long index, ConfState confState, ByteString data) {
        long current = snapshot.getMetadata().getIndex();
        if (index <= current) {
            throw new SnapshotOutOfDateException(
                    "createSnapshot: index " + index + " is not newer than the current snapshot " + current);
        }
        if (index > lastIndex()) {
            throw new IllegalArgumentException(
                    "createSnapshot: index " + index + " is beyond last index " + lastIndex());
        }
        SnapshotMetadata.Builder meta = SnapshotMetadata.newBuilder()
                .setIndex(index)
                .setTerm(entries.get((int) (index - offset())).getTerm())
                .setConfState(
                        confState != null ? confState : snapshot.getMetadata().getConfState());
        snapshot = Snapshot.newBuilder()
                .setMetadata(meta)
                .setData(data == null ? ByteString.EMPTY : data)
                .build();
        return snapshot;
    }

    /**
     * Discards the entries before {@code compactIndex}; the entry at {@code compactIndex} becomes the
     * dummy (its term is kept). The application must not compact beyond what it has applied.
     *
     * @throws CompactedException if {@code compactIndex} is not above the current dummy index
     * @throws IllegalArgumentException if {@code compactIndex} is beyond the last index
     */
    public void compact(long compactIndex) {
        long offset = offset();
        if (compactIndex <= offset) {
            throw new CompactedException(
                    "compact: index " + compactIndex + " is already compacted (first index " + (offset + 1) + ")");
        }
        if (compactIndex > lastIndex()) {
            throw new IllegalArgumentException(
                    "compact: index " + compactIndex + " is beyond last index " + lastIndex());
        }
        int i = (int) (compactIndex - offset);
        Entry newDummy = dummy(compactIndex, entries.get(i).getTerm());
        List<Entry> rest = new ArrayList<>(entries.subList(i + 1, entries.size()));
        entries.clear();
        entries.add(newDummy);
        entries.addAll(rest);
    }

    /**
     * Appends {@code newEntries}, which must be contiguous and continue or overlap the log. Entries
     * already compacted are skipped; a conflicting suffix of the log is replaced.
     *
     * @throws IllegalArgumentException if the entries would leave a gap after the last index, or are
     *     not contiguous
     */
    public void append(List<Entry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        for (int k = 1; k < newEntries.size(); k++) {
            if (newEntries.get(k).getIndex() != newEntries.get(k - 1).getIndex() + 1) {
                throw new IllegalArgumentException("append: entries are not contiguous at position " + k);
            }
        }
        long first = firstIndex();
        long lastNew = newEntries.get(0).getIndex() + newEntries.size() - 1;
        if (lastNew < first) {
            return; // everything is already compacted
        }
        List<Entry> toAdd = newEntries;
        if (first > newEntries.get(0).getIndex()) {
            toAdd = newEntries.subList((int) (first - newEntries.get(0).getIndex()), newEntries.size());
        }
        long pos = toAdd.get(0).getIndex() - offset();
        if (pos > entries.size()) {
            throw new IllegalArgumentException("append: missing log entries: last index " + lastIndex()
                    + ", appending at " + toAdd.get(0).getIndex());
        }
        while (entries.size() > pos) {
            entries.remove(entries.size() - 1);
        }
        entries.addAll(toAdd);
    }
}
