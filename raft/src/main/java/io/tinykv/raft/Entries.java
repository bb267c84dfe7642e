package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.Entry;
import java.util.List;

/** Helpers over lists of entries. */
final class Entries {
    /** Byte limit meaning "no limit". */
    static final long NO_LIMIT = Long.MAX_VALUE;

    private Entries() {}

    /**
     * The longest prefix of {@code entries} whose total serialized size is at most
     * {@code maxSizeBytes}, but never fewer than one entry (so progress is always possible).
     */
    static List<Entry> limitSize(List<Entry> entries, long maxSizeBytes) {
        if (entries.isEmpty()) {
            return entries;
        }
        long size = entries.get(0).getSerializedSize();
        int limit = 1;
        for (; limit < entries.size(); limit++) {
            size += entries.get(limit).getSerializedSize();
            if (size > maxSizeBytes) {
                break;
            }
        }
        return entries.subList(0, limit);
    }

    /** Sum of the payload sizes, the unit of the uncommitted-bytes limit. */
    static long payloadSize(List<Entry> entries) {
        long size = 0;
        for (Entry e : entries) {
            size += e.getData().size();
        }
        return size;
    }
}
