package io.tinykv.raftstore;

import io.tinykv.proto.Eraftpb.MessageType;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How full one region's mailbox is, per bounded kind of mail: client commands, and Raft messages
 * from other stores, each at most {@code capacity} ({@code notify-capacity}). Senders reserve a
 * place under the mailbox's lock ({@link Router}); the Raft thread frees it when it takes the
 * message out.
 *
 * <p>Why dropping a peer's Raft message at a full mailbox is safe: it is the same as the network
 * losing it, which Raft is built to survive — no message is ever needed for safety, only for
 * progress, and every one that matters is sent again. A leader repeats its heartbeats every
 * heartbeat interval and resends appends from the follower's match index when the follower answers
 * one; a follower that missed appends rejects the next and is probed back; a candidate that missed
 * votes campaigns again at its next election timeout; a leader transfer whose message is lost is
 * abandoned after an election timeout; a lost ReadIndex round costs, at worst, its read a timeout
 * (answered {@code server_is_busy}, and the client retries). What a message would have promised (an append acknowledged, a vote granted) is
 * never promised when it is dropped here, because it is dropped before the peer sees it.
 * Snapshots are not counted here: one arrives only as the end of a snapshot stream, whose number
 * the transport bounds ({@code concurrent-recv-snap-limit}), and its files are already on disk.
 */
final class MailboxBound {

    private final int capacity;
    private final AtomicInteger commands = new AtomicInteger();
    private final AtomicInteger raftMessages = new AtomicInteger();

    MailboxBound(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
    }

    /**
     * Takes a place for {@code msg} if its kind is bounded and has room. Callers hold the
     * mailbox's lock, so two senders never both take the last place.
     *
     * @return false when the mailbox holds {@code capacity} messages of its kind already
     */
    boolean tryReserve(PeerMsg msg) {
        AtomicInteger count = counterOf(msg);
        if (count == null) {
            return true;
        }
        if (count.get() >= capacity) {
            return false;
        }
        count.incrementAndGet();
        return true;
    }

    /** Frees the place {@code msg} took. Raft thread (or whoever empties a closed mailbox). */
    void release(PeerMsg msg) {
        AtomicInteger count = counterOf(msg);
        if (count != null) {
            count.decrementAndGet();
        }
    }

    int commands() {
        return commands.get();
    }

    int raftMessages() {
        return raftMessages.get();
    }

    /** The counter of the bounded kind {@code msg} is of, or null for unbounded control mail. */
    private AtomicInteger counterOf(PeerMsg msg) {
        return switch (msg) {
            case PeerMsg.Command command -> commands;
            case PeerMsg.Raft raft ->
                raft.message().getMessage().getMsgType() == MessageType.MsgSnapshot ? null : raftMessages;
            default -> null;
        };
    }
}
