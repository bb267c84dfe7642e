package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of the log not yet persisted by the application: a snapshot being installed and/or
 * entries. {@code entries.get(i)} has index {@code offset + i}. Once the application persists
 * them ({@link #stableTo}, {@link #stableSnapTo}), they are dropped here and read from storage.
 */
final class Unstable {
    /** Marks "no such index/term" in the maybe-accessors (indexes and terms start at 1). */
    static final long NONE = -1;

    private Snapshot snapshot;
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long offset;

    Unstable(long offset) {
        this.offset = offset;
    }

    long offset() {
        return offset;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    boolean hasEntries() {
        return !entries.isEmpty();
    }

    /** The first index if a pending snapshot defines it, else {@link #NONE}. */
    long maybeFirstIndex() {
        return snapshot != null ? snapshot.getMetadata().getIndex() + 1 : NONE;
    }

    /** The last index if entries or a pending snapshot define it, else {@link #NONE}. */
    long maybeLastIndex() {
        if (!entries.isEmpty()) {
            return offset + entries.size() - 1;
        }
        return snapshot != null ? snapshot.getMetadata().getIndex() : NONE;
    }

    /** The term of index {@code i} if known here, else {@link #NONE}. */
    long maybeTerm(long i) {
        if (i < offset) {
            if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
                return snapshot.getMetadata().getTerm();
            }
            return NONE;
        }
        long last = maybeLastIndex();
        if (last == NONE || i > last) {
            return NONE;
        }
        return entries.get((int) (i - offset)).getTerm();
    }

    /**
     * The application persisted entries up to {@code (i, t)}. Ignored when the entry there has since
     * been replaced by one of another term (the persisted one is obsolete) or is not unstable.
     */
    void stableTo(long i, long t) {
        long gt = maybeTerm(i);
        if (gt == NONE) {
            return;
        }
        if (gt == t && i >= offset) {
            entries.subList(0, (int) (i + 1 - offset)).clear();
            offset = i + 1;
        }
    }

    void stableSnapTo(long i) {
        if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
            snapshot = null;
        }
    }

    void restore(Snapshot s) {
        offset = s.getMetadata().getIndex() + 1;
        entries.clear();
        snapshot = s;
    }

    void truncateAndAppend(List<Entry> ents) {
        long after = ents.get(0).getIndex();
        if (after == offset + entries.size()) {
            entries.addAll(ents);
        } else if (after <= offset) {
            // Replace everything unstable; the storage's suffix from `after` is superseded as well.
            offset = after;
            entries.clear();
            entries.addAll(ents);
        } else {
            entries.subList((int) (after - offset), entries.size()).clear();
            entries.addAll(ents);
        }
    }

    /** Entries in {@code [lo, hi)}, which must lie within the unstable entries. */
    List<Entry> slice(long lo, long hi) {
        long upper = offset + entries.size();
        if (lo > hi || lo < offset || hi > upper) {
            throw new IllegalStateException(
                    "unstable.slice[" + lo + "," + hi + ") out of bound [" + offset + "," + upper + "]");
        }
        return new ArrayList<>(entries.subList((int) (lo - offset), (int) (hi - offset)));
    }
}
