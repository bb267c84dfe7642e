package io.tinykv.raft;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The leader's pending ReadIndex requests (SAFE mode), in arrival order. A request is identified
 * by its context bytes; it records the commit index at arrival and collects heartbeat acks. When a
 * quorum acks a request, it and every earlier one are answered: a later heartbeat round confirms
 * leadership for all requests before it too.
 */
final class ReadOnly {
    /** One pending request. */
    static final class ReadIndexStatus {
        final Message request;
        final long index;
        final Map<Long, Boolean> acks = new HashMap<>();

        ReadIndexStatus(Message request, long index) {
            this.request = request;
            this.index = index;
        }
    }

    private final ReadOnlyOption option;
    /** Keyed by request context; insertion order is the queue order. */
    private final LinkedHashMap<ByteString, ReadIndexStatus> pending = new LinkedHashMap<>();

    ReadOnly(ReadOnlyOption option) {
        this.option = option;
    }

    ReadOnlyOption option() {
        return option;
    }

    static ByteString contextOf(Message m) {
        return m.getEntries(0).getData();
    }

    /** Queues a request seen at commit index {@code index}; a duplicate context is ignored. */
    void addRequest(long index, Message m) {
        ByteString ctx = contextOf(m);
        pending.putIfAbsent(ctx, new ReadIndexStatus(m, index));
    }

    /** Records {@code id}'s heartbeat ack for {@code ctx}; returns the acks so far, or null if unknown. */
    Map<Long, Boolean> recvAck(long id, ByteString ctx) {
        ReadIndexStatus rs = pending.get(ctx);
        if (rs == null) {
            return null;
        }
        rs.acks.put(id, true);
        return rs.acks;
    }

    /** Removes and returns the requests up to and including the one with context {@code ctx}. */
    List<ReadIndexStatus> advance(ByteString ctx) {
        if (!pending.containsKey(ctx)) {
            return List.of();
        }
        List<ReadIndexStatus> done = new ArrayList<>();
        var it = pending.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            done.add(e.getValue());
            it.remove();
            if (e.getKey().equals(ctx)) {
                break;
            }
        }
        return done;
    }

    /** The context of the newest pending request, or empty when none. */
    ByteString lastPendingRequestCtx() {
        ByteString last = ByteString.EMPTY;
        for (ByteString k : pending.keySet()) {
            last = k;
        }
        return last;
    }

    int pendingCount() {
        return pending.size();
    }
}
