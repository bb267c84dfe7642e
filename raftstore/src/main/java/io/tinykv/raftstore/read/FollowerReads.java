package io.tinykv.raftstore.read;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The reads a follower answers itself (kvrpcpb {@code Context.replica_read}, TiKV's follower read).
 * Each asked the leader for a read index (Raft's ReadIndex, forwarded by the follower's Raft node and
 * confirmed by the leader's heartbeat quorum), and waits here until this replica has applied up to
 * that index; it is then answered from the kv engine as of then. The index is the leader's commit
 * index at some moment after the read arrived, so every write acknowledged before the read began is
 * applied when it is answered: the answer is linearizable, as a leader's is.
 *
 * <p>A read that cannot get its index is answered with a retryable region error, never served from
 * what happens to be applied: when the term or the known leader changes before the index arrives
 * (Raft drops an answer from an older term), and when it waits longer than {@code timeoutTicks}
 * (a lost message, a leader that is gone, a replica cut off from the entries it must apply).
 *
 * <p>Owned by its peer, on the Raft thread.
 */
public final class FollowerReads {

    /** One read: a pending read, with the leader it asked and when. */
    private static final class FollowerRead extends PendingRead {
        final long leaderId;
        final long issuedAtTick;

        FollowerRead(
                ByteString context,
                RaftCmdRequest request,
                Callback callback,
                long term,
                long leaderId,
                long issuedAtTick) {
            super(context, request, callback, term);
            this.leaderId = leaderId;
            this.issuedAtTick = issuedAtTick;
        }
    }

    private final Deque<FollowerRead> waiting = new ArrayDeque<>();
    private final long timeoutTicks;
    private long served;

    /** @param timeoutTicks how many ticks a read may wait for its index and its apply before it fails */
    public FollowerReads(long timeoutTicks) {
        if (timeoutTicks <= 0) {
            throw new IllegalArgumentException("timeoutTicks must be positive, got " + timeoutTicks);
        }
        this.timeoutTicks = timeoutTicks;
    }

    /** Queues a read whose ReadIndex request (with {@code context}) was just handed to Raft. */
    public void add(
            ByteString context, RaftCmdRequest request, Callback callback, long term, long leaderId, long nowTick) {
        waiting.addLast(new FollowerRead(context, request, callback, term, leaderId, nowTick));
    }

    /**
     * Notes the read index Raft returned for {@code context}.
     *
     * @return whether the context was one of these reads
     */
    public boolean onReadIndex(ByteString context, long readIndex) {
        FollowerRead read = PendingRead.withContext(waiting, context);
        if (read == null) {
            return false;
        }
        read.setReadIndex(readIndex);
        return true;
    }

    /**
     * The term or the leader changed: a read still without an index asked a leader that will not
     * answer it any more (or whose answer Raft now drops), so it fails with {@code error}. A read
     * that has its index keeps it: the index stays valid, only its apply is awaited.
     */
    public void onLeaderChanged(long term, long leaderId, Errorpb.Error error) {
        for (Iterator<FollowerRead> it = waiting.iterator(); it.hasNext(); ) {
            FollowerRead read = it.next();
            if (!read.hasReadIndex() && (read.term != term || read.leaderId != leaderId)) {
                it.remove();
                read.fail(error, term);
            }
        }
    }

    /** Fails, with {@code error}, the reads that have waited {@code timeoutTicks} or more. */
    public void expire(long nowTick, Errorpb.Error error, long term) {
        for (Iterator<FollowerRead> it = waiting.iterator(); it.hasNext(); ) {
            FollowerRead read = it.next();
            if (nowTick - read.issuedAtTick >= timeoutTicks) {
                it.remove();
                read.fail(error, term);
            }
        }
    }

    /**
     * Answers every read whose index is applied, from the kv engine as it is now, checked against
     * the region as this replica knows it now ({@code executor} answers EpochNotMatch when the read
     * was routed with an older epoch, e.g. across a split it just applied).
     */
    public void serveApplied(long appliedIndex, ReadExecutor executor, Metapb.Region region, long term) {
        for (Iterator<FollowerRead> it = waiting.iterator(); it.hasNext(); ) {
            FollowerRead read = it.next();
            if (read.isApplied(appliedIndex)) {
                it.remove();
                CmdResult result = executor.execute(read.request, region, term);
                if (!result.isError()) {
                    served++;
                }
                read.callback.complete(result);
            }
        }
    }

    /** The replica is gone: every read fails with {@code error}. */
    public void failAll(Errorpb.Error error, long term) {
        PendingRead.failAll(waiting, error, term);
    }

    public boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Reads answered successfully by this replica as a follower. */
    public long served() {
        return served;
    }
}
