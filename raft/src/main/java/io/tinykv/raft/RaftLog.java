package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The log as Raft sees it: stable entries in {@link Storage}, followed by {@link Unstable} ones,
 * plus the commit and applied indexes. Invariant: {@code applied <= committed <= lastIndex()}.
 */
final class RaftLog {
    private final Storage storage;
    private final Unstable unstable;
    private long committed;
    private long applied;

    RaftLog(Storage storage) {
        this.storage = storage;
        long first = storage.firstIndex();
        long last = storage.lastIndex();
        this.unstable = new Unstable(last + 1);
        // Everything up to the snapshot is committed and applied by definition.
        this.committed = first - 1;
        this.applied = first - 1;
    }

    Storage storage() {
        return storage;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    Unstable unstable() {
        return unstable;
    }

    /**
     * Appends the leader's entries after (index, logTerm) if the log matches there.
     *
     * @return the index of the last new entry, or -1 when the log does not match (reject)
     */
    long maybeAppend(long index, long logTerm, long leaderCommit, List<Entry> ents) {
        if (!matchTerm(index, logTerm)) {
            return -1;
        }
        long lastNewIndex = index + ents.size();
        long conflict = findConflict(ents);
        if (conflict != 0) {
            if (conflict <= committed) {
                throw new IllegalStateException(
                        "entry " + conflict + " conflicts with committed entry (committed " + committed + ")");
            }
            append(ents.subList((int) (conflict - (index + 1)), ents.size()));
        }
        commitTo(Math.min(leaderCommit, lastNewIndex));
        return lastNewIndex;
    }

    /** Appends entries (which may overwrite an uncommitted suffix); returns the new last index. */
    long append(List<Entry> ents) {
        if (ents.isEmpty()) {
            return lastIndex();
        }
        long after = ents.get(0).getIndex() - 1;
        if (after < committed) {
            throw new IllegalStateException("append after " + after + " is below committed " + committed);
        }
        unstable.truncateAndAppend(ents);
        return lastIndex();
    }

    /**
     * The index of the first entry of {@code ents} whose term differs from ours at that index (or
     * that we do not have), or 0 when all of them are already in the log.
     */
    long findConflict(List<Entry> ents) {
        for (Entry e : ents) {
            if (!matchTerm(e.getIndex(), e.getTerm())) {
                return e.getIndex();
            }
        }
        return 0;
    }

    /**
     * The largest index at or below {@code index} whose term is at most {@code term}, with its term
     * (or 0 when unknown because compacted), for the fast back-off of rejected appends: no entry above
     * the returned index can match a log whose entry at {@code index} has term {@code term}.
     */
    long[] findConflictByTerm(long index, long term) {
        for (; index > 0; index--) {
            long ourTerm;
            try {
                ourTerm = term(index);
            } catch (CompactedException | UnavailableException e) {
                return new long[] {index, 0};
            }
            if (ourTerm <= term) {
                return new long[] {index, ourTerm};
            }
        }
        return new long[] {0, 0};
    }

    List<Entry> unstableEntries() {
        return unstable.entries();
    }

    /** Committed entries not yet applied, up to {@code maxSizeBytes}. */
    List<Entry> nextEntries(long maxSizeBytes) {
        long off = Math.max(applied + 1, firstIndex());
        if (committed + 1 > off) {
            return slice(off, committed + 1, maxSizeBytes);
        }
        return List.of();
    }

    boolean hasNextEntries() {
        long off = Math.max(applied + 1, firstIndex());
        return committed + 1 > off;
    }

    boolean hasPendingSnapshot() {
        return unstable.snapshot() != null;
    }

    /** The latest snapshot, pending or stored. */
    Snapshot snapshot() {
        Snapshot s = unstable.snapshot();
        return s != null ? s : storage.snapshot();
    }

    long firstIndex() {
        long i = unstable.maybeFirstIndex();
        return i != Unstable.NONE ? i : storage.firstIndex();
    }

    long lastIndex() {
        long i = unstable.maybeLastIndex();
        return i != Unstable.NONE ? i : storage.lastIndex();
    }

    void commitTo(long toCommit) {
        if (committed < toCommit) {
            if (lastIndex() < toCommit) {
                throw new IllegalStateException(
                        "commit index " + toCommit + " is out of range [last index " + lastIndex() + "]");
            }
            committed = toCommit;
        }
    }

    void appliedTo(long i) {
        if (i == 0) {
            return;
        }
        if (committed < i || i < applied) {
            throw new IllegalStateException("applied index " + i + " is out of range [prev applied " + applied
                    + ", committed " + committed + "]");
        }
        applied = i;
    }

    void stableTo(long i, long t) {
        unstable.stableTo(i, t);
    }

    void stableSnapTo(long i) {
        unstable.stableSnapTo(i);
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /**
     * The term of the entry at {@code i}; 0 for an index outside [firstIndex - 1, lastIndex].
     *
     * @throws CompactedException if the storage has compacted it meanwhile
     */
    long term(long i) {
        long dummyIndex = firstIndex() - 1;
        if (i < dummyIndex || i > lastIndex()) {
            return 0;
        }
        long t = unstable.maybeTerm(i);
        if (t != Unstable.NONE) {
            return t;
        }
        return storage.term(i);
    }

    /** Like {@link #term} but 0 when compacted. */
    long termOrZero(long i) {
        try {
            return term(i);
        } catch (CompactedException e) {
            return 0;
        }
    }

    /** Entries from {@code i} to the end, limited by size. */
    List<Entry> entries(long i, long maxSizeBytes) {
        if (i > lastIndex()) {
            return List.of();
        }
        return slice(i, lastIndex() + 1, maxSizeBytes);
    }

    /** The vote rule: is a log ending at (lastIndex, term) at least as up-to-date as ours? */
    boolean isUpToDate(long lastIdx, long term) {
        long ourTerm = lastTerm();
        return term > ourTerm || (term == ourTerm && lastIdx >= lastIndex());
    }

    boolean matchTerm(long i, long term) {
        try {
            return term(i) == term;
        } catch (CompactedException | UnavailableException e) {
            return false;
        }
    }

    /**
     * Commits up to {@code maxIndex} if the entry there is of {@code term} (the current term): the
     * Raft paper's rule that a leader never commits entries of older terms by counting replicas.
     */
    boolean maybeCommit(long maxIndex, long term) {
        if (maxIndex > committed && termOrZero(maxIndex) == term) {
            commitTo(maxIndex);
            return true;
        }
        return false;
    }

    void restore(Snapshot s) {
        committed = s.getMetadata().getIndex();
        unstable.restore(s);
    }

    /**
     * Entries in {@code [lo, hi)} limited by size (at least one).
     *
     * @throws CompactedException if {@code lo} is below the first index
     */
    List<Entry> slice(long lo, long hi, long maxSizeBytes) {
        checkOutOfBounds(lo, hi);
        if (lo == hi) {
            return List.of();
        }
        List<Entry> ents = new ArrayList<>();
        long uOffset = unstable.offset();
        if (lo < uOffset) {
            long storedHi = Math.min(hi, uOffset);
            List<Entry> stored;
            try {
                stored = storage.entries(lo, storedHi, maxSizeBytes);
            } catch (UnavailableException e) {
                throw new IllegalStateException("entries[" + lo + "," + storedHi + ") unavailable from storage", e);
            }
            if (stored.size() < storedHi - lo) {
                return stored; // the size limit cut it short
            }
            ents.addAll(stored);
        }
        if (hi > uOffset) {
            ents.addAll(unstable.slice(Math.max(lo, uOffset), hi));
        }
        return List.copyOf(Entries.limitSize(ents, maxSizeBytes));
    }

    private void checkOutOfBounds(long lo, long hi) {
        if (lo > hi) {
            throw new IllegalStateException("invalid slice " + lo + " > " + hi);
        }
        long fi = firstIndex();
        if (lo < fi) {
            throw new CompactedException("slice from " + lo + " is compacted (first index " + fi + ")");
        }
        if (hi > lastIndex() + 1) {
            throw new IllegalStateException(
                    "slice[" + lo + "," + hi + ") out of bound [" + fi + "," + lastIndex() + "]");
        }
    }

    @Override
    public String toString() {
        return "RaftLog{committed=" + committed + ", applied=" + applied + ", unstable.offset=" + unstable.offset()
                + ", lastIndex=" + lastIndex() + "}";
    }
}
