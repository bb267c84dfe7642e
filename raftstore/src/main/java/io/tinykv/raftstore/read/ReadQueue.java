package io.tinykv.raftstore.read;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.raftstore.Callback;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * The leader's ReadIndex queue (TiKV's {@code read_queue.rs}): the reads it asked Raft a read index
 * for, in the order they asked, and the one ReadIndex round in flight only to renew the lease. A read
 * waits here until Raft confirms its index (a heartbeat quorum answered) and the peer has applied up
 * to it; it is then answered from the kv engine as of then.
 *
 * <p>Each entry remembers the term it asked in and the clock when it asked: a confirmed round proves
 * a quorum heard heartbeats sent then or later, so it may renew the lease from that time ({@link
 * Confirmed}). The queue only keeps that bookkeeping; whether to renew, and whether the peer still
 * leads, are its peer's to decide, as are the lease ({@link LeaderLease}) and the Raft node.
 *
 * <p>Reads are answered in FIFO order: a later read never overtakes an earlier one whose index is
 * not yet known. Owned by its peer, on the Raft thread.
 */
public final class ReadQueue {

    /** A read waiting for its read index to be confirmed and then applied. */
    private static final class LeaderRead extends PendingRead {
        /** The clock when it asked: the confirming heartbeats were sent then or later. */
        final long issuedAtNanos;

        LeaderRead(ByteString context, RaftCmdRequest request, Callback callback, long term, long issuedAtNanos) {
            super(context, request, callback, term);
            this.issuedAtNanos = issuedAtNanos;
        }
    }

    /**
     * A ReadIndex round Raft confirmed: it asked at {@code term} when the clock read {@code
     * issuedAtNanos}, so a quorum answered heartbeats sent then or later.
     */
    public record Confirmed(long term, long issuedAtNanos) {}

    private final Deque<LeaderRead> pending = new ArrayDeque<>();
    /** The context of the ReadIndex in flight only to renew the lease, or null. */
    private ByteString renewalContext;

    private long renewalIssuedAtNanos;
    private long renewalTerm;
    /** Reads queued since the queue was created: the peer's ReadIndex reads. */
    private long asked;

    /** Queues a read whose ReadIndex request (with {@code context}) was just handed to Raft. */
    public void add(ByteString context, RaftCmdRequest request, Callback callback, long term, long issuedAtNanos) {
        pending.addLast(new LeaderRead(context, request, callback, term, issuedAtNanos));
        asked++;
    }

    /** Notes that a ReadIndex round with {@code context} was handed to Raft only to renew the lease. */
    public void startRenewal(ByteString context, long issuedAtNanos, long term) {
        renewalContext = context;
        renewalIssuedAtNanos = issuedAtNanos;
        renewalTerm = term;
    }

    /** Whether a lease renewal round is in flight. */
    public boolean isRenewing() {
        return renewalContext != null;
    }

    /** Forgets the renewal round in flight, if any: its answer will never come (or must not count). */
    public void cancelRenewal() {
        renewalContext = null;
    }

    /**
     * Notes the read index Raft returned for {@code context}: the renewal round's answer ends it; a
     * read's answer gives that read its index.
     *
     * @return the round confirmed, or null when the context is none of this queue's
     */
    public Confirmed onReadIndex(ByteString context, long readIndex) {
        if (context.equals(renewalContext)) {
            renewalContext = null;
            return new Confirmed(renewalTerm, renewalIssuedAtNanos);
        }
        LeaderRead read = PendingRead.withContext(pending, context);
        if (read == null) {
            return null;
        }
        read.setReadIndex(readIndex);
        return new Confirmed(read.term, read.issuedAtNanos);
    }

    /**
     * The peer's leadership or term changed ({@code leader} and {@code term} are as they are now):
     * Raft forgets read requests when its term changes, so a read still without an index, asked by
     * a leader that is no more or in an older term, fails with {@code error}; so is the renewal
     * round forgotten. A read that has its index keeps it: the index was valid when it asked.
     */
    public void failUnconfirmed(boolean leader, long term, Errorpb.Error error) {
        if (!leader || renewalTerm != term) {
            renewalContext = null;
        }
        for (Iterator<LeaderRead> it = pending.iterator(); it.hasNext(); ) {
            LeaderRead read = it.next();
            if (!read.hasReadIndex() && (!leader || read.term != term)) {
                it.remove();
                read.fail(error, term);
            }
        }
    }

    /**
     * Answers, in order, the reads whose read index is at most {@code appliedIndex}, from {@code
     * executor} against {@code region} at {@code term}; stops at the first read that must wait.
     */
    public void serveApplied(long appliedIndex, ReadExecutor executor, Metapb.Region region, long term) {
        while (!pending.isEmpty()) {
            LeaderRead read = pending.peekFirst();
            if (!read.isApplied(appliedIndex)) {
                return;
            }
            pending.pollFirst();
            read.callback.complete(executor.execute(read.request, region, term));
        }
    }

    /** The peer is gone: every read fails with {@code error}, in order. */
    public void failAll(Errorpb.Error error, long term) {
        PendingRead.failAll(pending, error, term);
    }

    /** Whether no read waits (a renewal round in flight is not a read: see {@link #isRenewing}). */
    public boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Reads queued since the queue was created. */
    public long asked() {
        return asked;
    }
}
