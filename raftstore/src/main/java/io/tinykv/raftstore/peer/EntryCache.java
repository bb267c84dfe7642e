package io.tinykv.raftstore.peer;

import io.tinykv.proto.Eraftpb.Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The tail of one peer's log kept in memory: the entries appended since the peer last applied, so
 * that applying them (and sending them to followers, and looking up their terms) does not read them
 * back from the raft engine they were just written to. TiKV keeps such a cache for the same reason.
 *
 * <p>The cached entries are always one contiguous run {@code [firstIndex, lastIndex]} ending at the
 * log's last index as appended; an append that does not continue it (a conflict, or a gap after an
 * eviction) replaces the part it overwrites. The cache holds at most {@code maxBytes} of entries
 * (their serialized size): the oldest go first, and a miss falls back to the engine. Applied entries
 * are evicted ({@link #evictThrough}), all but the last (whose term the next append names): nothing reads them in the ordinary course (a lagging
 * follower's are read from the engine), and log compaction only ever drops applied entries.
 *
 * <p>Entries enter when they are added to the raft-engine write batch, before it is written, like
 * {@link PeerStorage}'s other in-memory state: a failed write stops the store, so the cache never
 * outlives a lost write. Owned by the peer's Raft thread.
 */
public final class EntryCache {

    /** 4 MiB per peer: the in-flight tail of a busy region (uncommitted plus not yet applied). */
    public static final long DEFAULT_MAX_BYTES = 4L * 1024 * 1024;

    private final long maxBytes;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;

    /** @param maxBytes the bound on the entries held (0: nothing is cached) */
    EntryCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("entry cache maxBytes must be >= 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** Index of the first cached entry; meaningless when empty. */
    private long firstIndex() {
        return entries.peekFirst().getIndex();
    }

    private long lastIndex() {
        return entries.peekLast().getIndex();
    }

    /** Entries just added to the log (contiguous): they replace any cached entries at or after their first. */
    void append(List<Entry> appended) {
        if (appended.isEmpty() || maxBytes == 0) {
            return;
        }
        long first = appended.get(0).getIndex();
        if (!entries.isEmpty() && (first > lastIndex() + 1 || first <= firstIndex())) {
            clear(); // a gap after the tail, or everything cached is overwritten
        }
        while (!entries.isEmpty() && lastIndex() >= first) {
            bytes -= entries.pollLast().getSerializedSize();
        }
        for (Entry entry : appended) {
            entries.addLast(entry);
            bytes += entry.getSerializedSize();
        }
        while (bytes > maxBytes && !entries.isEmpty()) {
            bytes -= entries.pollFirst().getSerializedSize();
        }
    }

    /**
     * The cached entries of {@code [lo, hi)}, or null unless all of them are cached. At most {@code
     * maxSizeBytes} of serialized entries, but at least one (Raft's rule for a size-limited slice).
     */
    List<Entry> slice(long lo, long hi, long maxSizeBytes) {
        if (entries.isEmpty() || lo < firstIndex() || hi - 1 > lastIndex() || lo >= hi) {
            return null;
        }
        List<Entry> result = new ArrayList<>((int) Math.min(hi - lo, 64));
        long size = 0;
        long skip = lo - firstIndex();
        for (Entry entry : entries) {
            if (skip > 0) {
                skip--;
                continue;
            }
            if (entry.getIndex() >= hi) {
                break;
            }
            size += entry.getSerializedSize();
            if (!result.isEmpty() && size > maxSizeBytes) {
                break;
            }
            result.add(entry);
        }
        return result;
    }

    /** The cached entry at {@code index}, or null. */
    Entry get(long index) {
        if (entries.isEmpty() || index < firstIndex() || index > lastIndex()) {
            return null;
        }
        long skip = index - firstIndex();
        if (skip > entries.size() / 2) {
            var it = entries.descendingIterator();
            for (long back = lastIndex() - index; back > 0; back--) {
                it.next();
            }
            return it.next();
        }
        var it = entries.iterator();
        for (; skip > 0; skip--) {
            it.next();
        }
        return it.next();
    }

    /** Drops the entries up to and including {@code index} (applied, or compacted away). */
    void evictThrough(long index) {
        while (!entries.isEmpty() && firstIndex() <= index) {
            bytes -= entries.pollFirst().getSerializedSize();
        }
    }

    /** Drops everything (the log was replaced by a snapshot, or the peer is destroyed). */
    void clear() {
        entries.clear();
        bytes = 0;
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes;
    }
}
