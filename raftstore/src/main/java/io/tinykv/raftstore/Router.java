package io.tinykv.raftstore;

import io.tinykv.raftstore.peer.Peer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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
 *
 * <p>A mailbox is bounded ({@link MailboxBound}): it holds at most {@code capacity} client commands
 * and, counted apart, at most {@code capacity} Raft messages from other stores. What finds its kind
 * full is not queued ({@link Delivery#FULL}): a command is answered {@code server_is_busy} by its
 * sender, a Raft message is dropped. The two kinds are counted apart so that a flood of client
 * commands never costs the region the messages of its own peers (nor a chatty peer the clients'
 * commands). The store's own control mail (ticks, snapshot and unreachable reports, scheduler
 * operators, split steps, size estimates) is not counted: it is bounded by what produces it (ticks
 * are queued by the Raft thread itself, one per interval, so a held Raft thread queues none; one
 * report per message sent; one operator per heartbeat answered) and must not be lost, or a region
 * could miss its election timeout or keep a snapshot marked in flight forever.
 */
public final class Router {

    /** What became of a message handed to {@link #deliver}. */
    enum Delivery {
        /** In the peer's mailbox; the Raft thread will handle it. */
        QUEUED,
        /** This store has no peer of the region (or it is going away). */
        NO_PEER,
        /** The mailbox holds as many messages of this kind as it may; this one was not queued. */
        FULL
    }

    /** One peer's queue of messages and whether the poller already knows it has mail. */
    public static final class Mailbox {
        public final Peer peer;
        private final Queue<PeerMsg> queue = new ConcurrentLinkedQueue<>();
        final AtomicBoolean scheduled = new AtomicBoolean();
        private final MailboxBound bound;
        /** Set once, under the mailbox's lock, when it is unregistered. */
        private boolean closed;

        Mailbox(Peer peer, int capacity) {
            this.peer = peer;
            this.bound = new MailboxBound(capacity);
        }

        /** The next message for the Raft thread, or null; frees its place in the bound. Raft thread. */
        public PeerMsg poll() {
            PeerMsg msg = queue.poll();
            if (msg != null) {
                bound.release(msg);
            }
            return msg;
        }

        /** Messages of the bounded kinds queued now: commands and peers' Raft messages. */
        int queuedCommands() {
            return bound.commands();
        }

        int queuedRaftMessages() {
            return bound.raftMessages();
        }
    }

    private final ConcurrentHashMap<Long, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final LongConsumer scheduler;
    private final int capacity;
    private final LongAdder commandsRefusedFull = new LongAdder();
    private final LongAdder raftMessagesDroppedFull = new LongAdder();

    /** With the default capacity ({@link RaftstoreConfig#DEFAULT_NOTIFY_CAPACITY}). */
    public Router(LongConsumer scheduler) {
        this(scheduler, RaftstoreConfig.DEFAULT_NOTIFY_CAPACITY);
    }

    /**
     * @param scheduler told the region id of a mailbox that has work and was idle
     * @param capacity commands, and separately Raft messages, one mailbox holds ({@code notify-capacity})
     */
    Router(LongConsumer scheduler, int capacity) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** How many commands (and, apart, Raft messages) one mailbox holds. */
    int capacity() {
        return capacity;
    }

    /** Commands refused because their region's mailbox was full (answered server_is_busy). Any thread. */
    long commandsRefusedFull() {
        return commandsRefusedFull.sum();
    }

    /** Raft messages from other stores dropped because their region's mailbox was full. Any thread. */
    long raftMessagesDroppedFull() {
        return raftMessagesDroppedFull.sum();
    }

    public void register(Peer peer) {
        Mailbox previous = mailboxes.putIfAbsent(peer.regionId(), new Mailbox(peer, capacity));
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
        for (PeerMsg msg; (msg = mailbox.poll()) != null; ) {
            left.add(msg);
        }
        return left;
    }

    /**
     * Queues {@code msg} for the peer of {@code regionId}.
     *
     * @return false when it was not queued: this store has no peer of the region (the caller
     *     answers RegionNotFound), or the message is of a bounded kind and the mailbox is full of it
     *     (callers of those use {@link #deliver}, which tells the two apart)
     */
    public boolean send(long regionId, PeerMsg msg) {
        return deliver(regionId, msg) == Delivery.QUEUED;
    }

    /** Queues {@code msg} for the peer of {@code regionId} if it has one and room for it. Any thread. */
    Delivery deliver(long regionId, PeerMsg msg) {
        Objects.requireNonNull(msg, "msg");
        Mailbox mailbox = mailboxes.get(regionId);
        if (mailbox == null) {
            return Delivery.NO_PEER;
        }
        Delivery delivery = offer(mailbox, msg);
        switch (delivery) {
            case QUEUED -> schedule(mailbox);
            case FULL -> {
                if (msg instanceof PeerMsg.Command) {
                    commandsRefusedFull.increment();
                } else {
                    raftMessagesDroppedFull.increment();
                }
            }
            case NO_PEER -> {}
        }
        return delivery;
    }

    /** Queues {@code msg} unless the mailbox was closed meanwhile or is full of its kind. */
    private static Delivery offer(Mailbox mailbox, PeerMsg msg) {
        synchronized (mailbox) {
            if (mailbox.closed) {
                return Delivery.NO_PEER;
            }
            // Reserved under the lock that close takes: a message is either counted and queued, or neither.
            if (!mailbox.bound.tryReserve(msg)) {
                return Delivery.FULL;
            }
            mailbox.queue.add(msg);
            return Delivery.QUEUED;
        }
    }

    /**
     * Sends a tick to every peer of the store that is not idle ({@link Peer#isIdle}): a store of a
     * thousand idle regions does not schedule a thousand peers every tick. Raft thread (the peers'
     * idleness is theirs).
     *
     * @return how many peers are idle
     */
    int broadcastTick() {
        PeerMsg tick = new PeerMsg.Tick();
        int idle = 0;
        for (Mailbox mailbox : mailboxes.values()) {
            if (mailbox.peer.isIdle()) {
                idle++;
            } else if (offer(mailbox, tick) == Delivery.QUEUED) {
                schedule(mailbox);
            }
        }
        return idle;
    }

    /** Sends {@code msg} to every idle peer that leads its region. Raft thread. */
    void sendToIdleLeaders(PeerMsg msg) {
        for (Mailbox mailbox : mailboxes.values()) {
            if (mailbox.peer.isIdle() && mailbox.peer.isLeader() && offer(mailbox, msg) == Delivery.QUEUED) {
                schedule(mailbox);
            }
        }
    }

    /** Sends {@code msg} to every peer of the store. */
    void broadcast(PeerMsg msg) {
        for (Mailbox mailbox : mailboxes.values()) {
            if (offer(mailbox, msg) == Delivery.QUEUED) {
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

    public Mailbox mailbox(long regionId) {
        return mailboxes.get(regionId);
    }

    /** The region ids with a peer here, in ascending order. */
    List<Long> regionIds() {
        return mailboxes.keySet().stream().sorted().toList();
    }
}
