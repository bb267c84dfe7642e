package io.tinykv.raftstore.read;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.RegionErrors;
import java.util.Deque;

/**
 * A read waiting for its read index and then for the replica to apply up to it, as the leader's
 * {@link ReadQueue} and a follower's {@link FollowerReads} keep it: the context of its ReadIndex
 * request, what it asked, where the answer goes, the term it asked in, and its index once Raft
 * answered. Each queue adds what it alone needs.
 */
abstract class PendingRead {

    private static final long UNKNOWN_READ_INDEX = -1;

    final ByteString context;
    final RaftCmdRequest request;
    final Callback callback;
    /** The term when the read asked: Raft forgets read requests when its term changes. */
    final long term;
    /** Unknown until Raft answers the ReadIndex request. */
    private long readIndex = UNKNOWN_READ_INDEX;

    PendingRead(ByteString context, RaftCmdRequest request, Callback callback, long term) {
        this.context = context;
        this.request = request;
        this.callback = callback;
        this.term = term;
    }

    final boolean hasReadIndex() {
        return readIndex != UNKNOWN_READ_INDEX;
    }

    final void setReadIndex(long readIndex) {
        this.readIndex = readIndex;
    }

    /** Whether Raft gave its read index and the replica applied up to it ({@code appliedIndex}). */
    final boolean isApplied(long appliedIndex) {
        return hasReadIndex() && readIndex <= appliedIndex;
    }

    /** Answers the read with {@code error} at {@code term}. */
    final void fail(Errorpb.Error error, long term) {
        callback.complete(RegionErrors.result(error, term));
    }

    /** The read of {@code reads} whose ReadIndex request carried {@code context}, or null. */
    static <R extends PendingRead> R withContext(Iterable<R> reads, ByteString context) {
        for (R read : reads) {
            if (read.context.equals(context)) {
                return read;
            }
        }
        return null;
    }

    /** The replica is gone: every one of {@code reads} fails with {@code error}, in order. */
    static void failAll(Deque<? extends PendingRead> reads, Errorpb.Error error, long term) {
        while (!reads.isEmpty()) {
            reads.pollFirst().fail(error, term);
        }
    }
}
