package io.tinykv.raftstore;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Region id to mailbox. Any thread may {@link #send} to a peer; only the Raft thread takes the
 * messages out. A mailbox that receives mail while idle is handed to the scheduler (the
 * {@link RaftPoller}) once; the poller marks it idle again before draining it, so mail that
 * arrives during a drain schedules it anew and is never stranded.
 *
 * <p>Nor is mail stranded in a mailbox that is going away: {@link #unregister} closes the mailbox
 * under its lock and hands back what it held, and {@link #send} queues only into an open mailbox
 * (under the same lock), so every message is either returned by {@code unregister} or refused by
 * {@code send} — a command always gets its answer (guarded by {@code RouterRaceTest}).
 */
public final class Router {

    /** One peer's queue of messages and whether the poller already knows it has mail. */
    static final class Mailbox {
        final Peer peer;
        final Queue<PeerMsg> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean scheduled = new AtomicBoolean();
        /** Set once, under the mailbox's lock, when it is unregistered. */
        private boolean closed;

        Mailbox(Peer peer) {
            this.peer = peer;
        }
    }

    private final ConcurrentHashMap<Long, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final LongConsumer scheduler;

    /** @param scheduler told the region id of a mailbox that has work and was idle */
    Router(LongConsumer scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    void register(Peer peer) {
        Mailbox previous = mailboxes.putIfAbsent(peer.regionId(), new Mailbox(peer));
        if (previous != null) {
            throw new IllegalStateException("region " + peer.regionId() + " already has a peer on this store");
        }
    }

    /**
     * Removes the peer's mailbox: from now on {@link #send} to the region is refused.
     *
     * @return the messages it still held, which the caller answers (commands: RegionNotFound)
     */
    List<PeerMsg> unregister(long regionId) {
        Mailbox mailbox = mailboxes.remove(regionId);
        if (mailbox == null) {
            return List.of();
        }
        synchronized (mailbox) {
            mailbox.closed = true;
        }
        // No sender adds after the close above: whatever is queued now is all there will be.
        List<PeerMsg> left = new ArrayList<>();
        for (PeerMsg msg; (msg = mailbox.queue.poll()) != null; ) {
            left.add(msg);
        }
        return left;
    }

    /**
     * Queues {@code msg} for the peer of {@code regionId}.
     *
     * @return false when this store has no peer of the region (the caller answers RegionNotFound)
     */
    public boolean send(long regionId, PeerMsg msg) {
        Objects.requireNonNull(msg, "msg");
        Mailbox mailbox = mailboxes.get(regionId);
        if (mailbox == null || !offer(mailbox, msg)) {
            return false;
        }
        schedule(mailbox);
        return true;
    }

    /** Queues {@code msg} unless the mailbox was closed meanwhile. */
    private static boolean offer(Mailbox mailbox, PeerMsg msg) {
        synchronized (mailbox) {
            if (mailbox.closed) {
                return false;
            }
            mailbox.queue.add(msg);
            return true;
        }
    }

    /** Sends a tick to every peer of the store. */
    public void broadcastTick() {
        broadcast(new PeerMsg.Tick());
    }

    /** Sends {@code msg} to every peer of the store. */
    void broadcast(PeerMsg msg) {
        for (Mailbox mailbox : mailboxes.values()) {
            if (offer(mailbox, msg)) {
                schedule(mailbox);
            }
        }
    }

    /** Asks the poller to look at the peer again (it has Raft work left after a round). */
    void reschedule(long regionId) {
        Mailbox mailbox = mailboxes.get(regionId);
        if (mailbox != null) {
            schedule(mailbox);
        }
    }

    private void schedule(Mailbox mailbox) {
        if (mailbox.scheduled.compareAndSet(false, true)) {
            scheduler.accept(mailbox.peer.regionId());
        }
    }

    Mailbox mailbox(long regionId) {
        return mailboxes.get(regionId);
    }

    /** The region ids with a peer here, in ascending order. */
    public List<Long> regionIds() {
        return mailboxes.keySet().stream().sorted().toList();
    }
}
