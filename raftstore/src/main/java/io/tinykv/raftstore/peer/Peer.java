package io.tinykv.raftstore.peer;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftCmdpb.CmdType;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftCmdpb.Request;
import io.tinykv.proto.RaftServerpb.ExtraMessage;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.raft.CommitBroadcast;
import io.tinykv.raft.ProposalDroppedException;
import io.tinykv.raft.RaftConfig;
import io.tinykv.raft.RawNode;
import io.tinykv.raft.ReadOnlyOption;
import io.tinykv.raft.ReadState;
import io.tinykv.raft.Ready;
import io.tinykv.raftstore.Callback;
import io.tinykv.raftstore.CmdResult;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.RegionErrors;
import io.tinykv.raftstore.Regions;
import io.tinykv.raftstore.Router;
import io.tinykv.raftstore.Transport;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.apply.ApplyResult;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.read.FollowerReads;
import io.tinykv.raftstore.read.LeaderLease;
import io.tinykv.raftstore.read.LocalReader;
import io.tinykv.raftstore.read.PublishedLease;
import io.tinykv.raftstore.read.ReadExecutor;
import io.tinykv.raftstore.read.ReadQueue;
import io.tinykv.raftstore.read.ReadStats;
import io.tinykv.raftstore.snapshot.SnapshotData;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import io.tinykv.raftstore.snapshot.SnapshotValidator;
import io.tinykv.raftstore.split.SplitCheckState;
import io.tinykv.raftstore.split.SplitChecker;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica of a region on this store: its {@link RawNode}, its {@link PeerStorage}, the writes
 * it proposed as leader and the reads it is answering. Owned by the Raft thread of its store; the
 * outside world reaches it only through its mailbox ({@link Router}).
 *
 * <p>Writes go through the log ({@link #handleCommand}); reads never do: while the leader lease holds
 * ({@link LeaderLease}) they are answered at once from the applied state, else they take a read
 * index (ReadIndex, confirmed by a heartbeat quorum) and wait in the {@link ReadQueue} until the peer
 * has applied up to it; they are then answered from the kv engine as of then ({@link
 * #serveReadyReads}). A follower answers a read the client flagged {@code replica_read} the same way:
 * the leader hands it a read index, and it answers once it has applied that far ({@link
 * FollowerReads}).
 *
 * <p>The peer owns the state and acts; the rules live beside it in this package and in the read
 * room, each fed values the peer gathers: {@link CommandCheck} (may a command be proposed here),
 * {@link AdminProposals} (what an admin command becomes), {@link Hibernation} (when an idle region
 * sleeps and wakes), {@link LogGcPolicy} (when and how far to compact the log), {@link
 * DestroyMessageCheck} (which messages may destroy this replica). The sections below follow a
 * peer's life: input (ticks, hibernation, log GC, Raft messages, commands, the lease), then what
 * the store's round does after a Ready and after an apply.
 */
public final class Peer {

    private static final Logger LOG = LoggerFactory.getLogger(Peer.class);

    private final long storeId;
    private final Metapb.Peer meta;
    private final PeerStorage storage;
    private final RawNode raftNode;
    private final RaftstoreConfig config;
    private final Deque<Proposal> proposals = new ArrayDeque<>();
    /** Reads this peer answers as leader, by ReadIndex, and its lease renewal round. */
    private final ReadQueue readQueue = new ReadQueue();
    /** Reads this peer answers as a follower (replica read), each waiting for its read index. */
    private final FollowerReads followerReads;

    private long nextReadId = 1;
    /**
     * Part of every ReadIndex context, with the peer id: the leader keys pending requests by their
     * context, so a follower's request must never collide with the leader's own, with another
     * follower's, or with one this replica sent before it restarted (still pending at the leader).
     */
    private final long readContextIncarnation;

    /** When the leader compacts the log, and how far. */
    private final LogGcPolicy logGc;

    private boolean destroyed;
    /** Set when this replica applied its own removal; the store then destroys it. */
    private boolean removed;
    /** Peers learnt from messages: a peer created by a message knows no region members yet. */
    private final Map<Long, Metapb.Peer> peerCache = new HashMap<>();
    /** What the scheduler learns from this peer while it leads (see {@link RegionHeartbeats}). */
    private final RegionHeartbeats heartbeats;
    /** When the leader measures its region for a split ({@link SplitChecker}). */
    private final SplitCheckState splitCheckState = new SplitCheckState();
    /** Logical ticks this peer has seen since it was created: how long it refuses votes after start. */
    private long ticks;
    /** The store's monotonic clock, in nanoseconds: the clock of the lease. */
    private final LongSupplier nanoClock;

    private final LeaderLease lease;
    /** The lease as other threads see it, for reads answered off the Raft thread ({@link LocalReader}). */
    private final PublishedLease publishedLease = new PublishedLease();

    private long leaseReads;
    /** The regions the last split applied here cut off this one: told to clients with EpochNotMatch. */
    private java.util.List<Metapb.Region> splitOff = java.util.List.of();
    /** Whether this peer stopped ticking because its region is idle ({@link Hibernation}). */
    private final Hibernation hibernation = new Hibernation();
    /** Messages about hibernation, outside Raft, for the store to send after this peer's mail. */
    private final List<RaftMessage> outbox = new java.util.ArrayList<>();

    /** A peer whose lease runs on the system's monotonic clock ({@link System#nanoTime}). */
    public Peer(
            long storeId,
            Metapb.Peer meta,
            PeerStorage storage,
            RaftstoreConfig config,
            RandomGenerator random,
            RegionHeartbeats heartbeats) {
        this(storeId, meta, storage, config, random, heartbeats, System::nanoTime);
    }

    /** @param nanoClock the store's monotonic clock in nanoseconds, which the leader lease runs on */
    public Peer(
            long storeId,
            Metapb.Peer meta,
            PeerStorage storage,
            RaftstoreConfig config,
            RandomGenerator random,
            RegionHeartbeats heartbeats,
            LongSupplier nanoClock) {
        if (meta.getStoreId() != storeId) {
            throw new IllegalArgumentException(
                    "peer " + meta.getId() + " belongs to store " + meta.getStoreId() + ", not to store " + storeId);
        }
        this.storeId = storeId;
        this.meta = meta;
        this.storage = storage;
        this.config = config;
        this.heartbeats = java.util.Objects.requireNonNull(heartbeats, "heartbeats");
        this.nanoClock = java.util.Objects.requireNonNull(nanoClock, "nanoClock");
        this.logGc = new LogGcPolicy(config.raftLogGcIntervalTicks(), config.raftLogGcCountLimit());
        this.lease = new LeaderLease(TimeUnit.MILLISECONDS.toNanos(config.maxLeaseMs()));
        // A read whose leader does not answer within an election timeout most likely asked a
        // leader that is gone: the client is told to retry rather than wait on.
        this.followerReads = new FollowerReads(config.electionTicks());
        this.readContextIncarnation = nanoClock.getAsLong();
        RaftConfig raftConfig = RaftConfig.builder(meta.getId())
                .electionTicks(config.electionTicks())
                .heartbeatTicks(config.heartbeatTicks())
                .appliedIndex(storage.appliedIndex())
                .maxSizePerMsgBytes(config.maxSizePerMsgBytes())
                .maxInflightMsgs(config.maxInflightMsgs())
                // A leader cut off from its quorum steps down, and a rejoining node does not
                // disrupt a healthy leader: both matter under the partitions the store must survive.
                .checkQuorum(true)
                .preVote(true)
                .readOnlyOption(ReadOnlyOption.SAFE)
                // A follower needs a new commit index only to apply: under load the next append carries
                // it, and at rest the next heartbeat, instead of a message and a round per commit.
                .commitBroadcast(CommitBroadcast.WITH_NEXT_MESSAGE)
                .build();
        this.raftNode = new RawNode(raftConfig, storage, random);
        List<Metapb.Peer> voters = storage.region().getPeersList().stream()
                .filter(p -> !Regions.isLearner(p))
                .toList();
        if (voters.size() == 1 && voters.get(0).getId() == meta.getId()) {
            // The only voter (learners do not vote): nobody to wait for, lead at once (as TiKV does).
            raftNode.campaign();
        }
    }

    public long regionId() {
        return storage.regionId();
    }

    public Metapb.Region region() {
        return storage.region();
    }

    /** This peer as the region lists it now: its role changes when a learner is promoted. */
    public Metapb.Peer meta() {
        Metapb.Peer current = Regions.findPeer(region(), meta.getId());
        return current != null ? current : meta;
    }

    public PeerStorage storage() {
        return storage;
    }

    public RawNode raftNode() {
        return raftNode;
    }

    public boolean isLeader() {
        return raftNode.isLeader();
    }

    public long leaderId() {
        return raftNode.leaderId();
    }

    public long term() {
        return raftNode.term();
    }

    public Deque<Proposal> proposals() {
        return proposals;
    }

    public RegionHeartbeats heartbeats() {
        return heartbeats;
    }

    public SplitCheckState splitCheckState() {
        return splitCheckState;
    }

    public RaftstoreConfig config() {
        return config;
    }

    /** The regions the last split cut off this one (empty before any). */
    public java.util.List<Metapb.Region> splitOff() {
        return splitOff;
    }

    /** This replica applied a split that cut {@code newRegions} off its region. */
    private void noteSplit(java.util.List<Metapb.Region> newRegions) {
        splitOff = java.util.List.copyOf(newRegions);
    }

    /**
     * A peer born from a split on this store has no past in its region to forget: it need not
     * refuse votes for an election timeout as a restarted peer does (see {@link
     * #refusesVoteAfterStart}), which would hold up the new region's first election.
     */
    public void skipStartupVoteRefusal() {
        ticks = Math.max(ticks, config.electionTicks());
    }

    // ---- input ---------------------------------------------------------------------------------

    /**
     * One logical tick, unless the region is idle ({@link Hibernation}): an idle peer does not tick
     * (the store sends it no ticks; one queued before it stopped is dropped here).
     *
     * @return whether the peer ticked
     */
    public boolean tick() {
        if (hibernation.isIdle()) {
            return false;
        }
        ticks++;
        raftNode.tick();
        if (!followerReads.isEmpty()) {
            followerReads.expire(ticks, notLeaderError(), term());
        }
        heartbeats.onTick(this);
        if (logGc.onTick()) {
            maybeCompactLog();
        }
        maybeHibernate();
        return true;
    }

    // ---- hibernation (see Hibernation) ---------------------------------------------------------

    /** Whether this peer stopped ticking because its region is idle. */
    public boolean isIdle() {
        return hibernation.isIdle();
    }

    /** The hibernation messages to send, taken out (the store sends them after this peer's mail). */
    public List<RaftMessage> takeOutbox() {
        if (outbox.isEmpty()) {
            return List.of();
        }
        List<RaftMessage> out = List.copyOf(outbox);
        outbox.clear();
        return out;
    }

    /**
     * A leader's tick: once the region was quiet for an election timeout, and again every election
     * timeout while it stays quiet, it asks every other peer whether they stop ticking; a region of
     * one peer stops at once.
     */
    private void maybeHibernate() {
        if (!config.hibernateRegions() || !isQuiet()) {
            hibernation.onBusyTick();
            return;
        }
        if (!hibernation.onQuietTick(config.electionTicks())) {
            return;
        }
        long index = raftNode.lastIndex();
        hibernation.startPoll(term(), index);
        List<Metapb.Peer> others = otherPeers();
        if (others.isEmpty()) {
            sleep(index);
            return;
        }
        outbox.addAll(HibernationMessages.requests(regionId(), epoch(), meta, others, term(), index));
    }

    /** Whether this peer leads a quiet region: it gathers what {@link Hibernation#isQuiet} weighs. */
    private boolean isQuiet() {
        Hibernation.UnderWay underWay = new Hibernation.UnderWay(
                !proposals.isEmpty(),
                !readQueue.isEmpty(),
                readQueue.isRenewing(),
                !followerReads.isEmpty(),
                raftNode.hasPendingConfChange(),
                raftNode.isTransferringLeader());
        return Hibernation.isQuiet(raftPosition(), underWay, region().getPeersList(), raftNode::matchIndexOf);
    }

    /** Where this peer's Raft node stands, for {@link Hibernation} to weigh a message against. */
    private Hibernation.RaftPosition raftPosition() {
        return new Hibernation.RaftPosition(
                isLeader(),
                term(),
                leaderId(),
                raftNode.lastIndex(),
                storage.lastIndex(),
                raftNode.commitIndex(),
                storage.appliedIndex());
    }

    private Metapb.RegionEpoch epoch() {
        return region().getRegionEpoch();
    }

    private List<Metapb.Peer> otherPeers() {
        return region().getPeersList().stream()
                .filter(p -> p.getId() != meta.getId())
                .toList();
    }

    /** Stops ticking at {@code index}; a leader gives up its lease (a woken one renews it by quorum). */
    private void sleep(long index) {
        if (isLeader()) {
            lease.expire();
            publishedLease.revoke();
        }
        hibernation.sleep(index);
    }

    /**
     * Something with news reached this peer: it ticks again. A leader heartbeats at once; a follower
     * woken by anything but its leader tells the leader, so that it heartbeats before the follower's
     * election timeout runs out. A leader asking its peers gives its poll up.
     *
     * @param tellLeader whether a woken follower tells its leader
     */
    public void wake(boolean tellLeader) {
        if (!hibernation.isIdle()) {
            hibernation.onBusyTick();
            return;
        }
        hibernation.wake();
        raftNode.resumeTicking();
        long leader = leaderId();
        if (tellLeader && !isLeader() && leader != 0) {
            Metapb.Peer to = Regions.findPeer(region(), leader);
            if (to != null) {
                outbox.add(HibernationMessages.wakeUp(regionId(), epoch(), meta, to, term()));
            }
        }
    }

    /** {@code ticks} went by while this peer did not tick: an idle leader checks its region heartbeat. */
    public void onIdleTicks(int ticks) {
        if (hibernation.isIdle() && isLeader()) {
            heartbeats.onIdleTicks(this, ticks);
        }
    }

    /**
     * A store that holds a peer of this region sent nothing for {@code silentTicks}: an idle peer
     * wakes ({@code StoreLiveness}). An idle leader counts that peer unheard for as long, so that it
     * is reported down when it would have been had the region been awake (an idle leader counts its
     * agreed peers as heard at each of its idle checks).
     */
    public void onStoreSilent(long silentStoreId, long silentTicks) {
        if (!hibernation.isIdle() || silentStoreId == storeId) {
            return;
        }
        boolean ofThisRegion = false;
        for (Metapb.Peer p : region().getPeersList()) {
            if (p.getStoreId() == silentStoreId) {
                ofThisRegion = true;
                if (isLeader()) {
                    heartbeats.onSilentFor(p.getId(), silentTicks);
                }
            }
        }
        if (ofThisRegion) {
            LOG.info("{}: waking up, store {} went silent", this, silentStoreId);
            wake(true);
        }
    }

    /** A hibernation message from another peer of the region. */
    private void onExtraMessage(RaftMessage message) {
        ExtraMessage extra = message.getExtra();
        long from = message.getFromPeer().getId();
        switch (extra.getType()) {
            case MsgHibernateRequest -> {
                long index = extra.getIndex();
                boolean inSync = config.hibernateRegions()
                        && Hibernation.agreesToStop(
                                from, extra.getTerm(), index, raftPosition(), !followerReads.isEmpty());
                if (inSync) {
                    outbox.add(HibernationMessages.response(
                            regionId(), epoch(), meta, message.getFromPeer(), extra.getTerm(), index));
                    sleep(index);
                } else {
                    wake(false);
                }
            }
            case MsgHibernateResponse -> {
                long index = extra.getIndex();
                List<Long> others =
                        otherPeers().stream().map(Metapb.Peer::getId).toList();
                if (hibernation.onAgreement(from, extra.getTerm(), index, raftPosition(), others) && isQuiet()) {
                    sleep(index);
                }
            }
            case MsgRegionWakeUp -> wake(false);
            default -> LOG.debug("{}: ignoring extra message {} from peer {}", this, extra.getType(), from);
        }
    }

    // ---- log GC (see LogGcPolicy) --------------------------------------------------------------

    /** As leader, proposes to compact the log when {@link LogGcPolicy} says so. */
    private void maybeCompactLog() {
        if (!isLeader()) {
            return;
        }
        long applied = storage.appliedIndex();
        long compactIndex = logGc.compactIndex(applied, storage.firstIndex(), () -> {
            long slowestMatch = Long.MAX_VALUE;
            for (var progress : raftNode.status().progress().values()) {
                slowestMatch = Math.min(slowestMatch, progress.match());
            }
            return slowestMatch;
        });
        if (compactIndex == LogGcPolicy.NONE) {
            return;
        }
        RaftCmdRequest request =
                LogGcPolicy.compactLogRequest(regionId(), epoch(), meta, compactIndex, storage.term(compactIndex));
        proposeWrite(
                request,
                new Callback(request, result -> {
                    if (result.isError()) {
                        LOG.debug(
                                "{}: log compaction to {} not applied: {}",
                                this,
                                compactIndex,
                                result.response().getHeader().getError().getMessage());
                    }
                }),
                term());
    }

    // ---- Raft messages from other stores -------------------------------------------------------

    /**
     * Steps a Raft message from another store; messages for another peer id are dropped.
     *
     * @return a reply to send back, or null: a peer that is no longer a member of the region (its
     *     message carries an older conf version and this region does not list it) is told so
     */
    public RaftMessage step(RaftMessage message) {
        if (message.getMessage().getMsgType() == Eraftpb.MessageType.MsgSnapshot) {
            // Whatever becomes of the message, its received files are done with after this round.
            storage.noteReceivedSnapshot(SnapshotReceiver.keyOf(message));
        }
        Metapb.Region region = region();
        if (message.getIsTombstone()) {
            // Only a newer configuration may tell this peer it is gone, and only once it holds data.
            String refusal = DestroyMessageCheck.tombstoneRefusal(region, meta, message);
            if (refusal == null) {
                LOG.info(
                        "{}: told by peer {} that it was removed from the region, destroying",
                        this,
                        message.getFromPeer().getId());
                markRemoved();
            } else if (region.getPeersCount() > 0) {
                LOG.warn(
                        "{}: refusing a tombstone from peer {} on store {}: {}",
                        this,
                        message.getFromPeer().getId(),
                        message.getFromPeer().getStoreId(),
                        refusal);
            }
            return null;
        }
        RaftMessage tombstone = DestroyMessageCheck.tombstoneForStaleSender(regionId(), region, meta, message);
        if (tombstone != null) {
            return tombstone;
        }
        stepRaft(message);
        return null;
    }

    private void stepRaft(RaftMessage message) {
        if (message.getToPeer().getId() > meta.getId()) {
            // The region re-added this store with a new peer (ids only grow): this replica missed
            // its removal and is stale. It goes; the leader's next contact creates the new one.
            String refusal = DestroyMessageCheck.newerPeerRefusal(region(), meta, message);
            if (refusal != null) {
                LOG.warn(
                        "{}: refusing a message for peer {} from peer {} on store {}: {}",
                        this,
                        message.getToPeer().getId(),
                        message.getFromPeer().getId(),
                        message.getFromPeer().getStoreId(),
                        refusal);
                return;
            }
            LOG.info(
                    "{}: replaced by peer {} of the region, destroying this stale replica",
                    this,
                    message.getToPeer().getId());
            markRemoved();
            return;
        }
        if (message.getToPeer().getId() != meta.getId()) {
            LOG.debug(
                    "region {} peer {}: dropping a message for peer {}",
                    regionId(),
                    meta.getId(),
                    message.getToPeer().getId());
            return;
        }
        Eraftpb.Message m = message.getMessage();
        if (refusesVoteAfterStart(m)) {
            LOG.debug("{}: started {} ticks ago, ignoring {} from peer {}", this, ticks, m.getMsgType(), m.getFrom());
            return;
        }
        peerCache.put(message.getFromPeer().getId(), message.getFromPeer());
        heartbeats.onHeardFrom(message.getFromPeer().getId());
        if (message.hasExtra()) {
            onExtraMessage(message);
            return;
        }
        if (hibernation.isIdle() && !hibernation.confirmsIdle(m, term(), isLeader(), leaderId())) {
            // Its leader's message: the leader is awake and needs no telling.
            wake(m.getFrom() != leaderId());
        }
        if (m.getMsgType() == Eraftpb.MessageType.MsgSnapshot) {
            // Checked before Raft sees it: once Raft accepts a snapshot it must be installable.
            try {
                SnapshotData.ParsedSnapshot parsed =
                        SnapshotData.parse(m.getSnapshot().getData(), regionId());
                var key = SnapshotReceiver.keyOf(message);
                SnapshotData.verifyFiles(parsed, cf -> storage.snapshotManager().receivedFile(key, cf));
                SnapshotValidator.check(
                        parsed, meta, cf -> storage.snapshotManager().receivedFile(key, cf));
            } catch (IllegalArgumentException e) {
                LOG.warn("{}: dropping a bad snapshot from peer {}: {}", this, m.getFrom(), e.getMessage());
                return;
            }
        }
        if (m.getMsgType() == Eraftpb.MessageType.MsgHeartbeat && storage.lastIndex() == 0 && m.getCommit() > 0) {
            // An empty replica whose leader remembers it further along: its log was erased on
            // purpose because its snapshot failed verification at restart (see
            // PeerStorage.resumeApplyingSnapshot). Raft takes a commit index beyond the log for
            // corruption; to a replica holding no entry it says nothing, so it becomes 0. The
            // heartbeat is answered, and the leader's next append, refused, leads to a snapshot.
            m = m.toBuilder().setCommit(0).build();
        }
        raftNode.step(m);
    }

    /**
     * A peer that (re)started less than an election timeout ago grants no vote for a higher term:
     * before its crash it may have acknowledged a leader whose lease still runs, and it no longer
     * remembers that (Raft's in-lease vote refusal lives in memory). It counts ticks as that refusal
     * does, so both are sure to last {@code (electionTicks - 1)} tick intervals of real time, the
     * window the lease is kept within ({@link LeaderLease}). A transfer's forced campaign passes:
     * the transferring leader gave up its lease ({@link LeaderLease#giveUp}).
     */
    private boolean refusesVoteAfterStart(Eraftpb.Message m) {
        boolean vote = m.getMsgType() == Eraftpb.MessageType.MsgRequestVote
                || m.getMsgType() == Eraftpb.MessageType.MsgRequestPreVote;
        return vote
                && ticks < config.electionTicks()
                && m.getTerm() > term()
                && !CAMPAIGN_TRANSFER.equals(m.getContext());
    }

    /** What Raft puts in the context of a vote request forced by a leadership transfer. */
    private static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

    // ---- commands (checks: CommandCheck; admin: AdminProposals) --------------------------------

    /** Like {@link #handleCommand(RaftCmdRequest, Callback, ReadExecutor)}, reads always by ReadIndex. */
    public void handleCommand(RaftCmdRequest request, Callback callback) {
        handleCommand(request, callback, null);
    }

    /**
     * Checks a client command and hands it to Raft: a write is proposed to the log, a read is
     * answered at once by {@code leaseReader} while the leader lease holds, else asks for a read
     * index. Any refusal completes the callback at once with the region error.
     *
     * @param leaseReader runs reads answered by lease; null: every read goes by ReadIndex
     */
    public void handleCommand(RaftCmdRequest request, Callback callback, ReadExecutor leaseReader) {
        long term = term();
        if (isFollowerRead(request)) {
            readAsFollower(request, callback, term);
            return;
        }
        Errorpb.Error error = preProposeCheck(request, true);
        if (error != null) {
            callback.complete(RegionErrors.result(error, term));
            return;
        }
        if (request.hasAdminRequest() && request.getRequestsCount() == 0) {
            handleAdmin(request, callback, term);
            return;
        }
        boolean hasRead = false;
        boolean hasWrite = false;
        for (Request r : request.getRequestsList()) {
            switch (r.getCmdType()) {
                case Get, Snap -> hasRead = true;
                case Put, Delete, DeleteRange -> hasWrite = true;
                default -> {
                    callback.complete(RegionErrors.result(
                            RegionErrors.badRequest("unsupported command type " + r.getCmdType()), term));
                    return;
                }
            }
        }
        if (request.hasAdminRequest() || (hasRead && hasWrite) || request.getRequestsCount() == 0) {
            callback.complete(RegionErrors.result(
                    RegionErrors.badRequest("a command holds either one admin request, or reads only, or writes only"),
                    term));
            return;
        }
        if (hasRead) {
            if (leaseReader == null
                    || !canReadByLease(nanoClock.getAsLong())
                    || !readByLease(request, callback, leaseReader, term)) {
                proposeRead(request, callback, term);
            }
        } else {
            proposeWrite(request, callback, term);
        }
    }

    /** An admin command: {@link AdminProposals} decides what to do, the peer does it. */
    private void handleAdmin(RaftCmdRequest request, Callback callback, long term) {
        switch (AdminProposals.decide(request, meta.getId(), regionId(), region(), splitOff)) {
            case AdminProposals.Refuse refuse -> callback.complete(RegionErrors.result(refuse.error(), term));
            case AdminProposals.TransferLeader transfer -> {
                raftNode.transferLeader(transfer.transfereeId());
                callback.complete(AdminProposals.transferLeaderStarted(term));
            }
            case AdminProposals.ProposeEntry entry -> {
                proposeWrite(request, callback, term);
                // The followers apply it (a split creates their peers of the new regions) as soon as
                // it commits, not at the next append or heartbeat. Marking an older entry, if Raft
                // refused this one, only tells that one's commit promptly.
                raftNode.broadcastCommitOf(leaderLastIndex());
            }
            case AdminProposals.ProposeConfChange confChange ->
                append(callback, term, null, "a conf change", () -> raftNode.proposeConfChange(confChange.change()));
        }
    }

    /**
     * Whether {@code request} is a read the client lets any replica answer ({@code replica_read})
     * and this peer is not the leader: it is answered here, after a ReadIndex round
     * ({@link FollowerReads}). Anything else with the flag (a write) goes the leader's way.
     */
    private boolean isFollowerRead(RaftCmdRequest request) {
        if (!request.getHeader().getReplicaRead()
                || request.hasAdminRequest()
                || request.getRequestsCount() == 0
                || isLeader()) {
            return false;
        }
        for (Request r : request.getRequestsList()) {
            if (r.getCmdType() != CmdType.Get && r.getCmdType() != CmdType.Snap) {
                return false;
            }
        }
        return true;
    }

    /**
     * Asks the leader, through Raft, for a read index and queues the read until this replica has
     * applied that far. No leader known: NotLeader at once, as for any command.
     */
    private void readAsFollower(RaftCmdRequest request, Callback callback, long term) {
        Errorpb.Error error = preProposeCheck(request, false);
        if (error != null) {
            callback.complete(RegionErrors.result(error, term));
            return;
        }
        ByteString context = askReadIndex();
        if (context == null) {
            callback.complete(RegionErrors.result(notLeaderError(), term));
            return;
        }
        followerReads.add(context, request, callback, term, leaderId(), ticks);
    }

    private Errorpb.Error notLeaderError() {
        return CommandCheck.notLeader(regionId(), region(), leaderId());
    }

    /** Why {@code request} may not be proposed here ({@link CommandCheck}), or null. */
    private Errorpb.Error preProposeCheck(RaftCmdRequest request, boolean requireLeader) {
        return CommandCheck.refusal(
                request,
                new CommandCheck.Replica(storeId, regionId(), region(), isLeader(), leaderId(), term(), splitOff),
                requireLeader);
    }

    private void proposeWrite(RaftCmdRequest request, Callback callback, long term) {
        ByteString data = request.toByteString();
        if (data.size() > config.raftEntryMaxSizeBytes()) {
            callback.complete(RegionErrors.result(
                    RegionErrors.entryTooLarge(regionId(), data.size(), config.raftEntryMaxSizeBytes()), term));
            return;
        }
        append(callback, term, request, "a proposal", () -> raftNode.propose(data));
    }

    /**
     * Hands one entry to the Raft log ({@code propose}, {@code what} it is, holding {@code request}
     * unless null) and keeps {@code callback} as a proposal waiting for that entry to apply; a
     * proposal Raft drops is answered at once.
     */
    private void append(Callback callback, long term, RaftCmdRequest request, String what, Runnable propose) {
        long lastBefore = leaderLastIndex();
        try {
            propose.run();
        } catch (ProposalDroppedException e) {
            callback.complete(RegionErrors.result(RegionErrors.proposalDropped(e.getMessage()), term));
            return;
        }
        long index = leaderLastIndex();
        if (index != lastBefore + 1) {
            throw new IllegalStateException(
                    "region " + regionId() + ": " + what + " moved the last index from " + lastBefore + " to " + index);
        }
        long nowNanos = nanoClock.getAsLong();
        proposals.addLast(new Proposal(index, term, callback, nowNanos, request));
        lease.onProposed(index, nowNanos, term, confVer());
    }

    /**
     * The leader's last log index (not its own progress's match: that advances only once the
     * leader's entries are persisted).
     */
    private long leaderLastIndex() {
        return raftNode.lastIndex();
    }

    private void proposeRead(RaftCmdRequest request, Callback callback, long term) {
        ByteString context = askReadIndex();
        if (context == null) {
            callback.complete(RegionErrors.result(notLeaderError(), term));
            return;
        }
        readQueue.add(context, request, callback, term, nanoClock.getAsLong());
    }

    /**
     * Asks Raft for a read index under a new context, which its answer will carry.
     *
     * @return the context, or null when Raft dropped the request (no leader known)
     */
    private ByteString askReadIndex() {
        ByteString context = nextReadContext();
        try {
            raftNode.readIndex(context);
        } catch (ProposalDroppedException e) {
            return null;
        }
        return context;
    }

    private ByteString nextReadContext() {
        return ByteString.copyFrom(ByteBuffer.allocate(3 * Long.BYTES)
                .putLong(meta.getId())
                .putLong(readContextIncarnation)
                .putLong(nextReadId++)
                .flip());
    }

    private long confVer() {
        return region().getRegionEpoch().getConfVer();
    }

    // ---- the leader lease (see LeaderLease) ----------------------------------------------------

    /**
     * Whether a read may be answered from this peer's applied state when the clock reads {@code
     * nowNanos}: it leads, its lease holds, and it applied an entry of its own term (until then it
     * may lack entries that an earlier leader committed and acknowledged: Raft's ReadIndex rule, §6.4).
     */
    private boolean canReadByLease(long nowNanos) {
        if (!isLeader()) {
            return false;
        }
        long term = term();
        if (!lease.hasAppliedEntryOf(term)) {
            lease.onApplied(storage.term(storage.appliedIndex()), term, confVer());
        }
        return lease.isValid(nowNanos, term, confVer());
    }

    /**
     * Reads from the applied state and answers at once if the lease still holds now that the data
     * is read: the clock is read after the read, so a pause before it (a GC, a stopped process)
     * cannot make the answer stale. When less than half the lease is left, one ReadIndex round
     * renews it in the background, so steady read traffic keeps it alive.
     *
     * @return false when the lease ran out meanwhile: nothing was answered
     */
    private boolean readByLease(RaftCmdRequest request, Callback callback, ReadExecutor leaseReader, long term) {
        CmdResult result = leaseReader.execute(request, region(), term);
        long answeredAtNanos = nanoClock.getAsLong();
        if (!lease.isValid(answeredAtNanos, term, confVer())) {
            if (result.snapshot() != null) {
                result.snapshot().close();
            }
            return false;
        }
        leaseReads++;
        callback.complete(result);
        if (!readQueue.isRenewing() && lease.remainingNanos(answeredAtNanos) * 2 < lease.maxLeaseNanos()) {
            ByteString context = askReadIndex();
            if (context == null) {
                return true; // no leader known: nothing to renew
            }
            readQueue.startRenewal(context, answeredAtNanos, term);
        }
        return true;
    }

    /**
     * Reads answered by lease (here or off the Raft thread), by ReadIndex and as a follower since
     * the peer was created.
     */
    public ReadStats readStats() {
        return new ReadStats(leaseReads + publishedLease.reads(), readQueue.asked(), followerReads.served());
    }

    /** The lease as published to other threads. Any thread. */
    public PublishedLease publishedLease() {
        return publishedLease;
    }

    /**
     * Publishes the lease as it stands for reads off the Raft thread; called at the end of the peer's
     * round. A lease that does not hold (whatever the clock) publishes nothing. Half-way through the
     * lease the grant asks readers to come to the Raft thread, which renews it ({@link #readByLease}).
     */
    public void publishLease() {
        if (!lease.isRenewed()) {
            publishedLease.publish(null);
            return;
        }
        long term = lease.term();
        long confVer = confVer();
        if (!lease.hasAppliedEntryOf(term)) {
            lease.onApplied(storage.term(storage.appliedIndex()), term, confVer);
        }
        if (!lease.holdsApartFromClock(term, confVer)) {
            publishedLease.publish(null);
            return;
        }
        long expiresAt = lease.expiresAtNanos();
        publishedLease.publish(
                new PublishedLease.Grant(term, region(), expiresAt, expiresAt - lease.maxLeaseNanos() / 2));
    }

    /**
     * No more reads off the Raft thread until the next publication: called before a change that
     * voids the lease takes effect (a leadership transfer, an applied membership change or split).
     */
    private void revokePublishedLease() {
        publishedLease.revoke();
    }

    // ---- after a Ready -------------------------------------------------------------------------

    /**
     * Notes a Ready's soft state and read states. A peer that stopped being leader, or whose term
     * moved on, will never get an answer to the read indexes it asked for: those reads are answered
     * NotLeader (the ones already confirmed are still served, their index was valid when they
     * asked).
     */
    public void onReady(Ready ready) {
        if (ready.softState() != null || ready.hardState() != null) {
            readQueue.failUnconfirmed(isLeader(), term(), notLeaderError());
            followerReads.onLeaderChanged(term(), leaderId(), notLeaderError());
        }
        boolean leader = isLeader();
        long term = term();
        if (!leader) {
            lease.expire();
            publishedLease.revoke();
            readQueue.cancelRenewal();
        } else if (ready.hardState() != null) {
            lease.onCommitted(ready.hardState().getCommit(), term, confVer());
        }
        for (ReadState readState : ready.readStates()) {
            if (followerReads.onReadIndex(readState.requestCtx(), readState.index())) {
                continue;
            }
            ReadQueue.Confirmed confirmed = readQueue.onReadIndex(readState.requestCtx(), readState.index());
            if (confirmed != null && leader && confirmed.term() == term) {
                // A quorum answered heartbeats sent when (or after) the read, or the renewal, asked.
                lease.renew(confirmed.issuedAtNanos(), term, confVer());
            }
        }
    }

    /**
     * Answers, in order, the reads whose read index is applied. Reads are answered in FIFO order:
     * a later read never overtakes an earlier one whose index is not yet known.
     */
    public void serveReadyReads(ReadExecutor executor) {
        long applied = storage.appliedIndex();
        if (!followerReads.isEmpty()) {
            followerReads.serveApplied(applied, executor, region(), term());
        }
        readQueue.serveApplied(applied, executor, region(), term());
    }

    /** Sends a Ready's messages, wrapped with this region's routing information. */
    public void sendMessages(Iterable<Eraftpb.Message> messages, Transport transport) {
        Metapb.Region region = region();
        for (Eraftpb.Message m : messages) {
            if (m.getMsgType() == Eraftpb.MessageType.MsgTimeoutNow) {
                // The transferee will campaign without waiting for the followers' leases to run out.
                lease.giveUp(term(), confVer());
                publishedLease.revoke();
            }
            Metapb.Peer to = Regions.findPeer(region, m.getTo());
            if (to == null) {
                to = peerCache.get(m.getTo());
            }
            if (to == null) {
                LOG.warn(
                        "region {} peer {}: no store known for peer {}, dropping {}",
                        regionId(),
                        meta.getId(),
                        m.getTo(),
                        m.getMsgType());
                continue;
            }
            transport.send(RaftMessage.newBuilder()
                    .setRegionId(regionId())
                    .setFromPeer(meta)
                    .setToPeer(to)
                    .setMessage(m)
                    .setRegionEpoch(region.getRegionEpoch())
                    .setStartKey(region.getStartKey())
                    .setEndKey(region.getEndKey())
                    .build());
        }
    }

    /**
     * The peer is gone from this store (removed, or the store is stopping): every waiting command
     * is answered RegionNotFound, so nobody waits forever.
     */
    public void destroy() {
        if (destroyed) {
            return;
        }
        destroyed = true;
        publishedLease.revoke();
        long term = term();
        while (!proposals.isEmpty()) {
            proposals
                    .pollFirst()
                    .callback()
                    .complete(RegionErrors.result(RegionErrors.regionNotFound(regionId()), term));
        }
        readQueue.failAll(RegionErrors.regionNotFound(regionId()), term);
        followerReads.failAll(RegionErrors.regionNotFound(regionId()), term);
    }

    public boolean isDestroyed() {
        return destroyed;
    }

    // ---- after an apply ------------------------------------------------------------------------

    /**
     * Takes what an admin entry the {@link Applier} just applied changes in this peer (its writes
     * are in the apply batch, not yet written). Raft thread, before the next entry is applied.
     */
    public void onApplyResult(ApplyResult result) {
        switch (result) {
            case ApplyResult.ConfChangeRefused refused ->
                raftNode.applyConfChange(Eraftpb.ConfChange.getDefaultInstance());
            case ApplyResult.ConfChangeApplied applied -> {
                // A new configuration has new quorums: no read off the Raft thread from here on.
                revokePublishedLease();
                if (applied.region() != null) {
                    storage.setRegion(applied.region());
                }
                raftNode.applyConfChange(applied.raftChange());
                if (applied.region() != null) {
                    heartbeats.onConfChangeApplied(this);
                }
                if (applied.removed() != null && applied.removed().getId() == meta.getId()) {
                    markRemoved();
                }
            }
            case ApplyResult.SplitApplied split -> {
                // The region shrinks: no read off the Raft thread under the old range from here on.
                revokePublishedLease();
                storage.setRegion(split.shrunk());
                noteSplit(split.newRegions());
            }
        }
    }

    /** The apply batch holding {@code state} (and the entries it counts as applied) is written. */
    public void onApplyStateWritten(io.tinykv.proto.RaftServerpb.RaftApplyState state) {
        storage.setApplyState(state);
    }

    private void markRemoved() {
        removed = true;
    }

    public boolean isRemoved() {
        return removed;
    }

    @Override
    public String toString() {
        return "Peer[region " + regionId() + ", peer " + meta.getId() + ", store " + storeId + "]";
    }
}
