package io.tinykv.raftstore;

import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.pd.SchedulerOperators;
import io.tinykv.raftstore.pd.SchedulerReporter;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.Proposal;
import io.tinykv.raftstore.snapshot.SnapshotData;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import io.tinykv.raftstore.split.SplitChecker;
import io.tinykv.raftstore.split.SplitProposer;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch system: one round handles the mail (Raft messages, commands, ticks) of every peer
 * that has some; sends the leaders' appends and heartbeats (they may leave before the leader's own
 * fsync: Raft thesis §10.2.1, the leader counts itself only once persisted); persists ALL their
 * Readys in one raft-engine write batch (group commit: at most one fsync for the whole round, none
 * when the only change is a commit index, etcd's MustSync rule); then sends the messages that
 * depend on it (acknowledgements, votes); then applies their committed entries and answers their
 * reads, then advances them. An advance that reports a persist may complete a quorum — a single
 * voter's always does — and the Ready handing out what it committed needs no sync: a second pass
 * of the same round handles those (an unsynced write of the commit indexes, the apply), so a lone
 * write to a single-voter region costs one round and one fsync.
 *
 * <p>The poller owns no thread: whoever owns the store's Raft thread calls {@link #pollRound}
 * (production: a loop around {@link #awaitWork}; the simulator: its event loop). All peers are
 * touched only from that thread.
 */
final class RaftPoller {

    private static final Logger LOG = LoggerFactory.getLogger(RaftPoller.class);

    private final Engines engines;
    private final LongSupplier nanoClock;
    private final Transport transport;
    private final Applier applier;
    private final LinkedBlockingDeque<Long> scheduled = new LinkedBlockingDeque<>();
    private final RaftStoreStats stats = new RaftStoreStats();
    private Router router;
    private final SplitProposer splitProposer;
    private SplitChecker splitChecker;

    RaftPoller(Engines engines, Transport transport, Applier applier) {
        this(engines, transport, applier, new SplitProposer(SchedulerReporter.NONE));
    }

    RaftPoller(Engines engines, Transport transport, Applier applier, SplitProposer splitProposer) {
        this(engines, transport, applier, splitProposer, () -> 0L);
    }

    /** @param nanoClock times the rounds for {@link RaftStoreStats} (the store's monotonic clock) */
    RaftPoller(
            Engines engines,
            Transport transport,
            Applier applier,
            SplitProposer splitProposer,
            LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.engines = engines;
        this.transport = transport;
        this.applier = applier;
        this.splitProposer = splitProposer;
    }

    /** Who measures regions for splits (none: split-check ticks do nothing). */
    void attachSplitChecker(SplitChecker checker) {
        this.splitChecker = checker;
    }

    RaftStoreStats stats() {
        return stats;
    }

    void attach(Router router) {
        this.router = router;
        splitProposer.attach(router);
    }

    /** The router's scheduler: a mailbox got work. Any thread. */
    void schedule(long regionId) {
        scheduled.add(regionId);
    }

    boolean hasWork() {
        return !scheduled.isEmpty();
    }

    /** Blocks until some peer has work or the timeout passes; returns whether there is work. */
    boolean awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
        Long regionId = scheduled.poll(timeout, unit);
        if (regionId == null) {
            return false;
        }
        scheduled.addFirst(regionId);
        return true;
    }

    /** A peer and the Ready it produced this round. */
    private record PeerReady(Peer peer, Ready ready) {}

    /**
     * Runs one round over the peers scheduled so far, in its phases: drain their mailboxes, handle
     * the Readys of those that have one ({@link #handleReadies}), handle in the same round the
     * Readys a persist just committed, and schedule again the peers left with work.
     *
     * @return whether any peer was handled
     */
    boolean pollRound() {
        Set<Long> regionIds = takeScheduled();
        if (regionIds.isEmpty()) {
            return false;
        }
        long startNanos = nanoClock.getAsLong();
        List<Peer> peers = drainMailboxes(regionIds);
        stats.onRound();
        List<Peer> advanced = handleReadies(withReady(peers));
        handleCommittedByThePersist(advanced);
        rescheduleThoseWithReady(advanced);
        stats.onRoundTime(nanoClock.getAsLong() - startNanos);
        stats.publish();
        return true;
    }

    /** The regions scheduled so far, each once, in the order they were first scheduled. */
    private Set<Long> takeScheduled() {
        Set<Long> regionIds = new LinkedHashSet<>();
        for (Long id; (id = scheduled.poll()) != null; ) {
            regionIds.add(id);
        }
        return regionIds;
    }

    /**
     * Phase 1: handles all the mail of the peers of {@code regionIds}; a peer that applied its own
     * removal on the way is destroyed.
     *
     * @return the live peers, for the Ready phases
     */
    private List<Peer> drainMailboxes(Set<Long> regionIds) {
        List<Peer> peers = new ArrayList<>(regionIds.size());
        for (long regionId : regionIds) {
            Router.Mailbox mailbox = router.mailbox(regionId);
            if (mailbox == null || mailbox.peer.isDestroyed()) {
                continue;
            }
            // Idle before draining: mail that arrives from now on schedules the peer again.
            mailbox.scheduled.set(false);
            for (PeerMsg msg; !mailbox.peer.isRemoved() && (msg = mailbox.poll()) != null; ) {
                handle(mailbox.peer, msg);
            }
            sendAll(mailbox.peer.takeOutbox());
            if (mailbox.peer.isRemoved()) {
                destroy(mailbox.peer);
                continue;
            }
            peers.add(mailbox.peer);
        }
        return peers;
    }

    /** Those of {@code peers} that have a Ready. */
    private static List<Peer> withReady(List<Peer> peers) {
        List<Peer> withReady = new ArrayList<>(peers.size());
        for (Peer peer : peers) {
            if (hasReady(peer)) {
                withReady.add(peer);
            }
        }
        return withReady;
    }

    /**
     * Phase 3: a persist this round's advance reported may have completed a quorum: always so for a
     * single voter, whose own durable copy is its whole quorum. Its entries are committed now, and
     * the Ready that hands them out needs no sync (RawNode#readyMustSync): handled in this round, a
     * lone write costs one round and one synced write instead of two rounds.
     */
    private void handleCommittedByThePersist(List<Peer> advanced) {
        List<Peer> committedNow = new ArrayList<>();
        for (Peer peer : advanced) {
            // (A peer may have been replaced since it advanced, by a split another peer applied.)
            if (hasReady(peer) && !peer.raftNode().readyMustSync()) {
                committedNow.add(peer);
            }
        }
        if (!committedNow.isEmpty()) {
            stats.onSameRoundReadys(committedNow.size());
            handleReadies(committedNow);
        }
    }

    /** Phase 4: a peer that still has a Ready is handled by a later round. */
    private void rescheduleThoseWithReady(List<Peer> advanced) {
        for (Peer peer : advanced) {
            if (hasReady(peer)) {
                router.reschedule(peer.regionId());
            }
        }
    }

    /** Whether {@code peer} is live and has a Ready ({@code RawNode#hasReady} does work: ask once). */
    private static boolean hasReady(Peer peer) {
        return !peer.isDestroyed() && peer.raftNode().hasReady();
    }

    /**
     * Phase 2: handles the Readys of {@code peers}, each of which {@link #hasReady has one}: sends
     * the appends that may leave early and persists every Ready in one raft-engine write (synced if
     * any of them must be), sends the messages that waited for it, applies the committed entries,
     * serves the reads and advances.
     *
     * @return the peers that advanced (not those destroyed on the way)
     */
    private List<Peer> handleReadies(List<Peer> peers) {
        List<PeerReady> readies = persistReadies(peers);
        // Only now is what the messages promise (appended entries, votes) durable.
        sendAfterPersist(readies);
        return applyAndAdvance(readies);
    }

    /**
     * Takes each peer's Ready and writes them all in one raft-engine batch; the appends that need not
     * wait for the leader's own write leave before it.
     */
    private List<PeerReady> persistReadies(List<Peer> peers) {
        List<PeerReady> readies = new ArrayList<>(peers.size());
        try (EngineWriteBatch raftWb = engines.raft().newWriteBatch()) {
            int entries = 0;
            boolean mustSync = false;
            List<RaftMessage> early = new ArrayList<>();
            for (Peer peer : peers) {
                Ready ready = peer.raftNode().ready();
                addMessages(peer, ready.messagesBeforePersist(), early);
                peer.storage().saveReady(ready, raftWb);
                readies.add(new PeerReady(peer, ready));
                entries += ready.entries().size();
                mustSync |= ready.mustSync();
            }
            // The followers write while the leader does: its appends leave before its own write.
            sendAll(early);
            if (!raftWb.isEmpty()) {
                long writeStartNanos = nanoClock.getAsLong();
                engines.raft().write(raftWb, mustSync);
                stats.onRaftWrite(mustSync, readies.size(), entries, nanoClock.getAsLong() - writeStartNanos);
            }
        }
        return readies;
    }

    /** Sends the messages of {@code readies} that depend on the persist (acknowledgements, votes). */
    private void sendAfterPersist(List<PeerReady> readies) {
        List<RaftMessage> afterPersist = new ArrayList<>();
        for (PeerReady pr : readies) {
            addMessages(pr.peer(), pr.ready().messages(), afterPersist);
        }
        sendAll(afterPersist);
    }

    /**
     * For each Ready in turn: the peer takes it in, applies its committed entries (and is destroyed
     * if it applied its own removal), answers the reads it allows, publishes its lease and advances.
     *
     * @return the peers that advanced
     */
    private List<Peer> applyAndAdvance(List<PeerReady> readies) {
        List<Peer> advanced = new ArrayList<>(readies.size());
        for (PeerReady pr : readies) {
            Peer peer = pr.peer();
            if (peer.isDestroyed()) {
                // An empty peer replaced this round by the split that created its region here.
                continue;
            }
            peer.onReady(pr.ready());
            if (pr.ready().softState() != null) {
                peer.heartbeats().onRoleMaybeChanged(peer);
            }
            applyTimed(peer, pr.ready().committedEntries());
            if (peer.isRemoved()) {
                destroy(peer);
                continue;
            }
            peer.serveReadyReads(applier);
            peer.publishLease();
            peer.raftNode().advance(pr.ready());
            advanced.add(peer);
        }
        return advanced;
    }

    /**
     * Applies {@code committed} and times the stages of the proposals it settles (a leader's own
     * writes): from the proposal to this apply (the leader's fsync and the followers' round trip in
     * parallel, plus the wait for this round), and the apply with the answers.
     */
    private void applyTimed(Peer peer, List<io.tinykv.proto.Eraftpb.Entry> committed) {
        if (committed.isEmpty()) {
            return;
        }
        long lastIndex = committed.get(committed.size() - 1).getIndex();
        long startNanos = nanoClock.getAsLong();
        // Only a leader's own proposals are timed; a follower's apply settles none.
        int settled = 0;
        long waitedNanos = 0;
        for (Proposal proposal : peer.proposals()) {
            if (proposal.index() > lastIndex) {
                break;
            }
            settled++;
            long waited = startNanos - proposal.proposedAtNanos();
            waitedNanos += waited;
            stats.onProposalCommitWait(waited);
        }
        applier.apply(peer, committed);
        stats.onApplied(committed.size());
        if (settled > 0) {
            stats.onProposalsSettled(settled, waitedNanos, nanoClock.getAsLong() - startNanos);
        }
    }

    /** The store ticked its peers (their Tick mail is handled by the next round). Raft thread. */
    void onTick() {
        stats.onTick();
    }

    /** Wraps {@code messages} of {@code peer} for the network into {@code out}. */
    private static void addMessages(Peer peer, List<io.tinykv.proto.Eraftpb.Message> messages, List<RaftMessage> out) {
        if (!messages.isEmpty()) {
            peer.sendMessages(messages, out::add);
        }
    }

    /** Sends one step's messages of all peers together: the transport may flush them on this thread. */
    private void sendAll(List<RaftMessage> messages) {
        if (!messages.isEmpty()) {
            transport.sendAll(messages);
            stats.onMessagesSent(messages.size());
        }
    }

    /**
     * Whether a snapshot would give {@code peer} a range that another initialized region on this
     * store still holds: the region of a split this store has not applied yet (its peer of the
     * region being split is behind), or a stale peer not yet collected. Installing it would let two
     * regions own one key, and the lagging one would later apply old writes over the newer data;
     * the snapshot is dropped, and the leader sends another once the range is free (as TiKV does).
     */
    private boolean overlapsAnotherRegion(Peer peer, RaftMessage message) {
        io.tinykv.proto.Metapb.Region incoming;
        try {
            incoming = SnapshotData.parse(message.getMessage().getSnapshot().getData(), peer.regionId())
                    .region();
        } catch (IllegalArgumentException e) {
            return false; // the peer refuses a malformed snapshot itself
        }
        for (long otherId : router.regionIds()) {
            Router.Mailbox other = router.mailbox(otherId);
            if (other == null
                    || otherId == peer.regionId()
                    || other.peer.region().getPeersCount() == 0) {
                continue;
            }
            io.tinykv.proto.Metapb.Region held = other.peer.region();
            if (RegionRanges.overlap(held, incoming)) {
                LOG.info(
                        "{}: dropping a snapshot for [{}, {}): region {} on this store still holds [{}, {})",
                        peer,
                        Regions.describe(incoming.getStartKey()),
                        Regions.describe(incoming.getEndKey()),
                        otherId,
                        Regions.describe(held.getStartKey()),
                        Regions.describe(held.getEndKey()));
                return true;
            }
        }
        return false;
    }

    /** The received files of a dropped snapshot go. */
    private static void forgetReceivedSnapshot(Peer peer, RaftMessage message) {
        peer.storage().noteReceivedSnapshot(SnapshotReceiver.keyOf(message));
    }

    /** A replica that applied its own removal leaves the store: data, states and mailbox. */
    private void destroy(Peer peer) {
        LOG.info("{}: removed from the region, destroying", peer);
        peer.storage().destroy();
        List<PeerMsg> left = router.unregister(peer.regionId());
        peer.destroy();
        answerRegionNotFound(peer.regionId(), left);
    }

    /** Answers the commands among {@code left}, taken from a closed mailbox, with RegionNotFound. */
    static void answerRegionNotFound(long regionId, List<PeerMsg> left) {
        for (PeerMsg msg : left) {
            if (msg instanceof PeerMsg.Command command) {
                command.callback().complete(RegionErrors.result(RegionErrors.regionNotFound(regionId), 0));
            }
        }
    }

    /**
     * Handles one message of {@code peer}. What brings news to an idle region wakes it first (see
     * {@link io.tinykv.raftstore.peer.Hibernation}); a Raft message decides for itself ({@link
     * Peer#step}); ticks, size estimates and split checks do not wake it.
     */
    private void handle(Peer peer, PeerMsg msg) {
        if (wakes(msg)) {
            peer.wake(true);
        }
        switch (msg) {
            case PeerMsg.Raft raft -> stepSafely(peer, raft.message());
            case PeerMsg.Command command -> {
                stats.onCommandWait(nanoClock.getAsLong() - command.queuedAtNanos());
                peer.handleCommand(command.request(), command.callback(), applier);
            }
            case PeerMsg.Tick tick -> {
                if (peer.tick()) {
                    stats.onPeerTick();
                }
            }
            case PeerMsg.SnapshotReport report -> peer.raftNode().reportSnapshot(report.toPeerId(), report.status());
            case PeerMsg.Unreachable unreachable -> peer.raftNode().reportUnreachable(unreachable.toPeerId());
            case PeerMsg.StoreSilent silent -> peer.onStoreSilent(silent.storeId(), silent.silentTicks());
            case PeerMsg.IdleTicks idle -> peer.onIdleTicks(idle.ticks());
            case PeerMsg.SchedulerOperator operator -> SchedulerOperators.handle(peer, operator.response());
            case PeerMsg.ApproximateSize size -> peer.heartbeats().onApproximateSize(size.sizeBytes(), size.keys());
            case PeerMsg.SplitCheckTick check -> {
                if (splitChecker != null) {
                    splitChecker.onCheckTick(peer);
                }
            }
            case PeerMsg.SplitChecked checked -> {
                PeerMsg.SplitRegion split = splitChecker == null ? null : splitChecker.onChecked(peer, checked);
                if (split != null) {
                    peer.wake(true);
                    splitProposer.onSplitRegion(peer, split);
                }
            }
            case PeerMsg.SplitRegion split -> splitProposer.onSplitRegion(peer, split);
            case PeerMsg.SplitIds ids -> splitProposer.onSplitIds(peer, ids);
        }
    }

    /** Whether {@code msg} wakes an idle peer before it is handled. */
    private static boolean wakes(PeerMsg msg) {
        return switch (msg) {
            case PeerMsg.Command c -> true;
            case PeerMsg.SnapshotReport r -> true;
            case PeerMsg.Unreachable u -> true;
            case PeerMsg.SchedulerOperator o -> true;
            case PeerMsg.SplitRegion s -> true;
            case PeerMsg.SplitIds i -> true;
            case PeerMsg.Raft r -> false;
            case PeerMsg.Tick t -> false;
            case PeerMsg.StoreSilent s -> false;
            case PeerMsg.IdleTicks i -> false;
            case PeerMsg.ApproximateSize a -> false;
            case PeerMsg.SplitCheckTick t -> false;
            case PeerMsg.SplitChecked c -> false;
        };
    }

    /**
     * Steps a message from the network. A message Raft refuses as malformed (a local type, a wrong
     * recipient) is dropped with a warning: another store's bug must not stop this one.
     */
    private void stepSafely(Peer peer, RaftMessage message) {
        if (message.getMessage().getMsgType() == io.tinykv.proto.Eraftpb.MessageType.MsgSnapshot
                && overlapsAnotherRegion(peer, message)) {
            forgetReceivedSnapshot(peer, message);
            return;
        }
        try {
            RaftMessage reply = peer.step(message);
            if (reply != null) {
                transport.send(reply);
                stats.onMessagesSent(1);
            }
        } catch (IllegalArgumentException e) {
            LOG.warn(
                    "{}: dropped malformed raft message from store {}: {}",
                    peer,
                    message.getFromPeer().getStoreId(),
                    e.getMessage());
        }
    }
}
