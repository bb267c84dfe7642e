package io.tinykv.raftstore;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tinykv.proto.Eraftpb.MessageType;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.Pdpb;
import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RaftMessage;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.proto.RaftServerpb.StoreIdent;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.apply.Applier;
import io.tinykv.raftstore.pd.RegionHeartbeats;
import io.tinykv.raftstore.pd.SchedulerOperators;
import io.tinykv.raftstore.pd.SchedulerReporter;
import io.tinykv.raftstore.pd.StoreHeartbeats;
import io.tinykv.raftstore.peer.Peer;
import io.tinykv.raftstore.peer.PeerStorage;
import io.tinykv.raftstore.read.LocalReader;
import io.tinykv.raftstore.read.ReadStats;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.snapshot.SnapshotReceiver;
import io.tinykv.raftstore.snapshot.SnapshotValidator;
import io.tinykv.raftstore.split.RegionSizeEstimator;
import io.tinykv.raftstore.split.SplitChecker;
import io.tinykv.raftstore.split.SplitPeers;
import io.tinykv.raftstore.split.SplitProposer;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.SnapshotReader;
import io.tinykv.storage.StorageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-raft store of one process: its peers (one per region replica here), their mailboxes
 * and the batch system that drives them. Time, network, threads and randomness come from outside:
 * the owner calls {@link #tick} on its clock, {@link #pollOnce} on its Raft thread, delivers
 * incoming messages with {@link #onRaftMessage}, and the store sends through its {@link Transport}.
 *
 * <p>{@link #onRaftMessage}, {@link #propose} and {@link #tick} may be called from any thread;
 * {@link #pollOnce}, {@link #regionStatus} and {@link #close} only from the Raft thread.
 */
public final class RaftStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RaftStore.class);

    private final long storeId;
    private final Engines engines;
    private final RaftPoller poller;
    private final Router router;
    private final RaftstoreConfig config;
    private final Executor workers;
    private final RandomGenerator random;
    private final SchedulerReporter reporter;
    private final RegionSizeEstimator sizeEstimator;
    private final StoreHeartbeats storeHeartbeats;
    private final Transport transport;
    private final SnapshotManager snapshots;
    private final LongSupplier nanoClock;
    /**
     * Bumped when the store's link to the scheduler is re-established: every leader then heartbeats
     * at its next check ({@link RegionHeartbeats}), for a restarted scheduler knows no leader.
     */
    private final java.util.concurrent.atomic.AtomicLong schedulerReconnects =
            new java.util.concurrent.atomic.AtomicLong();
    /** Answers reads by lease on the caller's thread. */
    private final LocalReader localReader;
    /** Guarded by {@code this} (the creation lock of {@link #maybeCreatePeer}). */
    private final UninitializedPeerLimit uninitializedPeers =
            new UninitializedPeerLimit(UninitializedPeerLimit.DEFAULT_MAX_PEERS);
    /** Whether the stores holding peers of this store's regions are alive, for the idle regions. */
    private final StoreLiveness liveness;
    /** The peers found idle at the last tick: the gauge operators watch. */
    private volatile int idleRegions;

    /** A store without a scheduler: nothing is reported ({@link SchedulerReporter#NONE}). */
    public RaftStore(
            long storeId,
            Engines engines,
            RaftstoreConfig config,
            Transport transport,
            Executor workers,
            RandomGenerator random) {
        this(storeId, engines, config, transport, SchedulerReporter.NONE, workers, random);
    }

    /**
     * A store whose durability failures halt the JVM ({@link ProcessHalter#RUNTIME}) and whose
     * leader leases run on the system's monotonic clock ({@link System#nanoTime}).
     */
    RaftStore(
            long storeId,
            Engines engines,
            RaftstoreConfig config,
            Transport transport,
            SchedulerReporter reporter,
            Executor workers,
            RandomGenerator random) {
        this(storeId, engines, config, transport, reporter, workers, random, ProcessHalter.RUNTIME, System::nanoTime);
    }

    /** A store whose leader leases run on the system's monotonic clock ({@link System#nanoTime}). */
    public RaftStore(
            long storeId,
            Engines engines,
            RaftstoreConfig config,
            Transport transport,
            SchedulerReporter reporter,
            Executor workers,
            RandomGenerator random,
            ProcessHalter halter) {
        this(storeId, engines, config, transport, reporter, workers, random, halter, System::nanoTime);
    }

    /** A store whose durability failures halt the JVM ({@link ProcessHalter#RUNTIME}). */
    public RaftStore(
            long storeId,
            Engines engines,
            RaftstoreConfig config,
            Transport transport,
            SchedulerReporter reporter,
            Executor workers,
            RandomGenerator random,
            LongSupplier nanoClock) {
        this(storeId, engines, config, transport, reporter, workers, random, ProcessHalter.RUNTIME, nanoClock);
    }

    /**
     * Opens the store over bootstrapped engines and creates a peer for every region it holds.
     *
     * @param reporter where region leaders' and the store's heartbeats go
     * @param workers runs slow work off the Raft thread: snapshot generation, log deletion, region
     *     size scans and store statistics; a task that fails goes to {@code halter}
     * @param halter stops the process when a worker's task or a snapshot file's sync fails
     *     (fail-stop, DESIGN.md §6)
     * @param nanoClock monotonic time in nanoseconds, which the leader leases run on (production:
     *     {@code System::nanoTime}, the clock the {@link RaftStoreDriver} ticks by; the simulator:
     *     its virtual time)
     * @throws IllegalStateException when the engines are not bootstrapped, or for another store
     */
    public RaftStore(
            long storeId,
            Engines engines,
            RaftstoreConfig config,
            Transport transport,
            SchedulerReporter reporter,
            Executor workers,
            RandomGenerator random,
            ProcessHalter halter,
            LongSupplier nanoClock) {
        this.storeId = storeId;
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.reporter = Objects.requireNonNull(reporter, "reporter");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.engines = Objects.requireNonNull(engines, "engines");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(random, "random");
        checkStoreIdent(engines, storeId);
        this.config = config;
        Objects.requireNonNull(halter, "halter");
        this.workers = new FailStopExecutor(Objects.requireNonNull(workers, "workers"), engines, halter);
        this.random = random;
        this.snapshots = SnapshotManager.open(engines.dataDir(), halter);
        Applier applier = new Applier(engines, new LogGcWorker(engines, this.workers, halter), new StoreSplitPeers());
        this.poller = new RaftPoller(
                engines,
                Objects.requireNonNull(transport, "transport"),
                applier,
                new SplitProposer(reporter),
                nanoClock);
        this.router = new Router(poller::schedule, config.notifyCapacity());
        this.localReader = new LocalReader(storeId, router, applier, nanoClock);
        poller.attach(router);
        poller.attachSplitChecker(new SplitChecker(config.splitCheck(), engines, this.workers, router));
        this.sizeEstimator = new RegionSizeEstimator(engines, this.workers, router);
        this.storeHeartbeats = new StoreHeartbeats(storeId, engines, config, reporter, this.workers);
        this.liveness = new StoreLiveness(storeId, config.hibernateCheckTicks());
        for (RegionLocalState state : loadRegionStates(engines)) {
            if (state.getState() == PeerState.Applying) {
                switch (PeerStorage.resumeApplyingSnapshot(engines, snapshots, state)) {
                    case PeerStorage.SnapshotResume.Installed installed -> state = installed.state();
                    case PeerStorage.SnapshotResume.AwaitingFreshSnapshot fresh -> {
                        startAwaitingSnapshot(fresh.region());
                        continue;
                    }
                }
            }
            Metapb.Region region = state.getRegion();
            if (state.getState() != PeerState.Normal) {
                LOG.info("store {}: region {} is {}, no peer started", storeId, region.getId(), state.getState());
                continue;
            }
            Metapb.Peer meta = Regions.findPeerOnStore(region, storeId);
            if (meta == null) {
                LOG.warn("store {}: region {} has no peer on this store, no peer started", storeId, region.getId());
                continue;
            }
            PeerStorage storage = openStorage(region);
            Peer peer = new Peer(
                    storeId,
                    meta,
                    storage,
                    config,
                    new SplittableRandom(random.nextLong()),
                    newHeartbeats(),
                    nanoClock);
            router.register(peer);
            // A fresh peer may have committed entries to apply from before a restart.
            router.reschedule(region.getId());
        }
        // Snapshots being applied are finished above: everything else in the directory is stale.
        snapshots.removeLeftovers(List.of());
    }

    /**
     * Marks fresh engines as store {@code storeId} of cluster {@code clusterId} (synced).
     *
     * @throws IllegalStateException when the engines already belong to a store
     */
    public static void bootstrapStore(Engines engines, long clusterId, long storeId) {
        StoreIdent existing = engines.kv().getMessage(Cf.DEFAULT, Keys.STORE_IDENT_KEY, StoreIdent.parser());
        if (existing != null) {
            throw new IllegalStateException("engines at " + engines.dataDir() + " already belong to store "
                    + existing.getStoreId() + " of cluster " + existing.getClusterId());
        }
        try (EngineWriteBatch wb = engines.kv().newWriteBatch()) {
            wb.put(
                    Cf.DEFAULT,
                    Keys.STORE_IDENT_KEY,
                    StoreIdent.newBuilder()
                            .setClusterId(clusterId)
                            .setStoreId(storeId)
                            .build());
            engines.kv().write(wb, true);
        }
    }

    /** Writes the initial states of {@code region} on a bootstrapped store (see {@link PeerStorage}). */
    public static void bootstrapRegion(Engines engines, Metapb.Region region) {
        PeerStorage.writeBootstrapState(engines, region);
    }

    private static void checkStoreIdent(Engines engines, long storeId) {
        StoreIdent ident = engines.kv().getMessage(Cf.DEFAULT, Keys.STORE_IDENT_KEY, StoreIdent.parser());
        if (ident == null) {
            throw new IllegalStateException("engines at " + engines.dataDir() + " are not bootstrapped as a store");
        }
        if (ident.getStoreId() != storeId) {
            throw new IllegalStateException("engines at " + engines.dataDir() + " belong to store " + ident.getStoreId()
                    + ", not to store " + storeId);
        }
    }

    private static List<RegionLocalState> loadRegionStates(Engines engines) {
        List<RegionLocalState> states = new ArrayList<>();
        try (SnapshotReader reader = engines.kv().snapshot();
                KvIterator it = reader.iterator(Cf.DEFAULT, Keys.REGION_META_MIN_KEY, Keys.REGION_META_MAX_KEY)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                try {
                    states.add(RegionLocalState.parseFrom(it.value()));
                } catch (InvalidProtocolBufferException e) {
                    throw new StorageException(
                            "corrupt region state at " + Keys.describe(it.key()) + " in " + engines.dataDir() + ": "
                                    + e.getMessage(),
                            e);
                }
            }
        }
        return states;
    }

    public long storeId() {
        return storeId;
    }

    public Engines engines() {
        return engines;
    }

    /** The store's snapshot files (the transport reads generated ones and writes received ones). */
    public SnapshotManager snapshotManager() {
        return snapshots;
    }

    /** Delivers a Raft message from another store; messages for another store or region are dropped. */
    public void onRaftMessage(RaftMessage message) {
        if (StoreLiveness.isPing(message)) {
            liveness.onPing(message.getFromPeer().getStoreId());
            return;
        }
        if (message.getToPeer().getStoreId() != storeId) {
            LOG.warn(
                    "store {}: dropping a raft message for store {}",
                    storeId,
                    message.getToPeer().getStoreId());
            return;
        }
        switch (router.deliver(message.getRegionId(), new PeerMsg.Raft(message))) {
            case QUEUED -> {
                return;
            }
            case FULL -> {
                // Lost as the network may lose it; Raft sends again what matters (see MailboxBound).
                LOG.debug(
                        "store {}: mailbox of region {} is full ({} Raft messages), dropping {} from store {}",
                        storeId,
                        message.getRegionId(),
                        router.capacity(),
                        message.getMessage().getMsgType(),
                        message.getFromPeer().getStoreId());
                return;
            }
            case NO_PEER -> {}
        }
        if (!createPeerAndDeliver(message) && !answerFromTombstone(message)) {
            LOG.debug(
                    "store {}: no peer of region {}, dropping {}",
                    storeId,
                    message.getRegionId(),
                    message.getMessage().getMsgType());
            if (message.getMessage().getMsgType() == MessageType.MsgSnapshot) {
                snapshots.deleteReceived(SnapshotReceiver.keyOf(message));
            }
        }
    }

    /**
     * Why the snapshot that {@code message} announces, for {@code region}, would be dropped on
     * arrival, or null when this store would hand it to a peer: checked from the stream's header,
     * before any file of it is written. The snapshot must be for this store, its region must list
     * the receiving peer here ({@link SnapshotValidator}), and this store must have that very peer
     * (a snapshot never creates one: the leader's first heartbeat does, and the snapshot comes
     * again after it). Any thread. That the files' keys lie in the region's range, and that it
     * overlaps no other region here, is checked once the files are here, before Raft sees it.
     */
    public String snapshotRefusal(RaftMessage message, Metapb.Region region) {
        Metapb.Peer to = message.getToPeer();
        long regionId = message.getRegionId();
        if (to.getStoreId() != storeId) {
            return "snapshot of region " + regionId + " is for store " + to.getStoreId() + ", this is store " + storeId;
        }
        String notListed = SnapshotValidator.receiverRefusal(region, to);
        if (notListed != null) {
            return notListed;
        }
        Router.Mailbox mailbox = router.mailbox(regionId);
        if (mailbox == null) {
            return "store " + storeId + " has no peer of region " + regionId + " yet (the leader's heartbeat "
                    + "creates it; send the snapshot again after)";
        }
        long local = mailbox.peer.meta().getId();
        if (local != to.getId()) {
            return "the peer of region " + regionId + " on store " + storeId + " is " + local + ", not " + to.getId();
        }
        return null;
    }

    /**
     * A leader reaching out to a peer this store does not have yet (it was just added to the
     * region): creates it empty, to be filled by a snapshot. Only a leader's first contact
     * (a heartbeat carrying commit 0) or a (pre-)vote request creates a peer, and never one that
     * this store already removed (its tombstone is at the message's conf version or later).
     */
    /**
     * Creates the peer {@code message} asks for, if it may, and queues the message for it, both under
     * the creation lock: a split starting its own peer of the region ({@link #startSplitPeer}) then
     * either replaces the created peer with the message already queued (and forwards it) or comes
     * first, and the message is never sent in between, into no mailbox.
     *
     * @return whether this store has a peer for the message (created now or meanwhile)
     */
    private synchronized boolean createPeerAndDeliver(RaftMessage message) {
        if (!maybeCreatePeer(message)) {
            return false;
        }
        router.send(message.getRegionId(), new PeerMsg.Raft(message));
        return true;
    }

    private synchronized boolean maybeCreatePeer(RaftMessage message) {
        if (router.mailbox(message.getRegionId()) != null) {
            return true; // created meanwhile by another thread
        }
        var m = message.getMessage();
        // Vote requests too (pre-vote included, as TiKV does): a region whose only other member is
        // an added peer that was never created (or lost, uninitialized, in a crash) can elect a
        // leader only if that peer comes to life on the candidate's request.
        boolean initial = m.getMsgType() == MessageType.MsgRequestVote
                || m.getMsgType() == MessageType.MsgRequestPreVote
                || (m.getMsgType() == MessageType.MsgHeartbeat && m.getCommit() == 0);
        if (!initial) {
            return false;
        }
        long regionId = message.getRegionId();
        RegionLocalState state =
                engines.kv().getMessage(Cf.DEFAULT, Keys.regionStateKey(regionId), RegionLocalState.parser());
        if (state != null) {
            if (state.getState() != PeerState.Tombstone
                    || !StalePeerChecker.addressesANewerPeer(state, message, storeId)) {
                return false;
            }
        }
        if (!uninitializedPeers.admit(this::isUninitialized)) {
            LOG.warn(
                    "store {}: not creating a peer of region {} for peer {} on store {}: {} empty peers created by "
                            + "messages wait for their snapshots already",
                    storeId,
                    regionId,
                    message.getFromPeer().getId(),
                    message.getFromPeer().getStoreId(),
                    uninitializedPeers.count());
            return false;
        }
        if (state != null) {
            // A newer incarnation of a peer this store once removed: the old one's leftovers go.
            PeerStorage.clearLeftovers(engines, regionId);
        }
        registerUninitializedPeer(regionId, message.getToPeer());
        uninitializedPeers.created(regionId);
        LOG.info(
                "store {}: created peer {} of region {} on a message from peer {}",
                storeId,
                message.getToPeer().getId(),
                regionId,
                message.getFromPeer().getId());
        return true;
    }

    /** Whether region {@code regionId} has a peer here that holds no data yet. */
    private boolean isUninitialized(long regionId) {
        Router.Mailbox mailbox = router.mailbox(regionId);
        return mailbox != null && mailbox.peer.region().getPeersCount() == 0;
    }

    /** A peer without data (a region holding only its id), which its leader fills by snapshot. */
    private void registerUninitializedPeer(long regionId, Metapb.Peer meta) {
        Metapb.Region empty = Metapb.Region.newBuilder().setId(regionId).build();
        PeerStorage storage = openStorage(empty);
        Peer peer = new Peer(
                storeId, meta, storage, config, new SplittableRandom(random.nextLong()), newHeartbeats(), nanoClock);
        router.register(peer);
    }

    /** Starts the peer of a region whose interrupted snapshot could not be resumed, empty. */
    private void startAwaitingSnapshot(Metapb.Region region) {
        Metapb.Peer meta = Regions.findPeerOnStore(region, storeId);
        if (meta == null) {
            LOG.warn("store {}: region {} has no peer on this store, no peer started", storeId, region.getId());
            return;
        }
        registerUninitializedPeer(region.getId(), meta);
        LOG.info(
                "store {}: started peer {} of region {} uninitialized, waiting for a fresh snapshot",
                storeId,
                meta.getId(),
                region.getId());
    }

    private PeerStorage openStorage(Metapb.Region region) {
        return PeerStorage.open(engines, region, workers, snapshots, config.entryCacheMaxBytes(), poller.stats());
    }

    private RegionHeartbeats newHeartbeats() {
        return new RegionHeartbeats(config, reporter, sizeEstimator::request, schedulerReconnects::get);
    }

    /**
     * The link to the scheduler was re-established (a new heartbeat stream in place of a broken
     * one): every region this store leads heartbeats at its leader's next check, whether it changed
     * or not, so that a restarted scheduler learns every leader within a check rather than a long
     * interval. Any thread.
     */
    public void onSchedulerReconnected() {
        schedulerReconnects.incrementAndGet();
    }

    /**
     * The scheduler's answer to a region heartbeat: its operator (add or remove a peer, transfer
     * leadership) goes to the region's peer, which carries it out only if it still leads and the
     * response's region epoch is its own (see {@link SchedulerOperators}). Any thread. A response
     * for a region without a peer here is dropped: the scheduler asks again.
     */
    public void onSchedulerResponse(Pdpb.RegionHeartbeatResponse response) {
        Objects.requireNonNull(response, "response");
        if (!response.hasChangePeer() && !response.hasTransferLeader()) {
            if (response.hasSplitRegion()) {
                splitForScheduler(response);
            }
            return;
        }
        if (!router.send(response.getRegionId(), new PeerMsg.SchedulerOperator(response))) {
            LOG.info(
                    "store {}: no peer of region {}, dropping the scheduler's operator",
                    storeId,
                    response.getRegionId());
        }
    }

    /**
     * A split the scheduler asks for at given keys (an operator's {@code split} from {@code tinykv ctl}
     * or the status page): proposed like a split at a client's request, at the response's epoch. A
     * split by approximate size (no keys) is the split checker's job here, so it is dropped.
     */
    private void splitForScheduler(Pdpb.RegionHeartbeatResponse response) {
        Pdpb.SplitRegion split = response.getSplitRegion();
        if (split.getPolicy() != Pdpb.CheckPolicy.USEKEY || split.getKeysCount() == 0) {
            LOG.info(
                    "store {}: region {}: only splits at given keys are done on the scheduler's request; "
                            + "dropping a {} split",
                    storeId,
                    response.getRegionId(),
                    split.getPolicy());
            return;
        }
        split(response.getRegionId(), response.getRegionEpoch(), split.getKeysList(), new Callback(result -> {
            if (result.isError()) {
                LOG.info(
                        "store {}: region {}: the scheduler's split did not happen: {}",
                        storeId,
                        response.getRegionId(),
                        result.response().getHeader().getError().getMessage());
            }
        }));
    }

    /** Tells a stale sender that it was removed, when this store's peer of the region is gone too. */
    private boolean answerFromTombstone(RaftMessage message) {
        RegionLocalState state = engines.kv()
                .getMessage(Cf.DEFAULT, Keys.regionStateKey(message.getRegionId()), RegionLocalState.parser());
        RaftMessage reply = StalePeerChecker.replyFromTombstone(state, message);
        if (reply == null) {
            return false;
        }
        LOG.info(
                "store {}: region {} is a tombstone here; telling stale peer {} it was removed",
                storeId,
                message.getRegionId(),
                message.getFromPeer().getId());
        transport.send(reply);
        return true;
    }

    /** The transport's report on a snapshot it was asked to send to {@code toPeerId}. */
    public void onSnapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
        router.send(regionId, new PeerMsg.SnapshotReport(toPeerId, status));
    }

    /** The transport's report that a message to {@code toPeerId} was dropped. */
    public void onPeerUnreachable(long regionId, long toPeerId) {
        router.send(regionId, new PeerMsg.Unreachable(toPeerId));
    }

    /**
     * Hands a command to its region's peer; answers RegionNotFound at once when there is none. A read
     * the leader's lease covers is answered at once on the calling thread ({@link LocalReader}).
     */
    public void propose(RaftCmdRequest request, Callback callback) {
        if (localReader.tryRead(request, callback)) {
            return;
        }
        long regionId = request.getHeader().getRegionId();
        switch (router.deliver(regionId, new PeerMsg.Command(request, callback, nanoClock.getAsLong()))) {
            case QUEUED -> {}
            case NO_PEER -> callback.complete(RegionErrors.result(RegionErrors.regionNotFound(regionId), 0));
            // Refused before anything happened to it: the client may retry it as it is.
            case FULL ->
                callback.complete(RegionErrors.result(RegionErrors.mailboxFull(regionId, router.capacity()), 0));
        }
    }

    /** Client commands refused with server_is_busy because their region's mailbox was full. Any thread. */
    public long commandsRefusedBusy() {
        return router.commandsRefusedFull();
    }

    /** Raft messages from other stores dropped because their region's mailbox was full. Any thread. */
    public long raftMessagesDroppedBusy() {
        return router.raftMessagesDroppedFull();
    }

    /** Ticks since idle leaders last checked their region heartbeats; the ticking thread only. */
    private int ticksSinceIdleCheck;

    /** Ticks since the last split-check round; touched by the ticking thread only. */
    private int ticksSinceSplitCheck;

    /** One logical Raft tick for every peer; every {@code splitCheckTicks} the leaders check their sizes. */
    public void tick() {
        poller.onTick();
        idleRegions = router.broadcastTick();
        if (++ticksSinceIdleCheck >= config.regionHeartbeatTicks()) {
            if (idleRegions > 0) {
                router.sendToIdleLeaders(new PeerMsg.IdleTicks(ticksSinceIdleCheck));
            }
            ticksSinceIdleCheck = 0;
        }
        if (config.hibernateRegions()) {
            for (long silent : liveness.onTick(this::watchedStores, transport)) {
                LOG.info(
                        "store {}: store {} sent no liveness ping for a while; waking idle regions with a peer there",
                        storeId,
                        silent);
                router.broadcast(new PeerMsg.StoreSilent(silent, liveness.silentTicks()));
            }
        }
        storeHeartbeats.onTick(() -> router.regionIds().size());
        if (++ticksSinceSplitCheck >= config.splitCheck().splitCheckTicks()) {
            ticksSinceSplitCheck = 0;
            router.broadcast(new PeerMsg.SplitCheckTick());
        }
    }

    /**
     * Asks the leader of {@code regionId} to split it at {@code splitKeys} (ascending raw keys inside
     * the region) if the region is still at {@code epoch}. {@code callback} gets the regions after the
     * split (a BatchSplit admin response) or the error that stopped it (NotLeader, EpochNotMatch,
     * RegionNotFound, a refusal). Any thread.
     */
    public void split(
            long regionId,
            Metapb.RegionEpoch epoch,
            List<com.google.protobuf.ByteString> splitKeys,
            Callback callback) {
        if (!router.send(regionId, new PeerMsg.SplitRegion(epoch, List.copyOf(splitKeys), callback))) {
            callback.complete(RegionErrors.result(RegionErrors.regionNotFound(regionId), 0));
        }
    }

    /**
     * Starts this store's peers of the regions a split created (see {@link SplitPeers}). An empty
     * peer that a message created for one of them is replaced: its Raft state (term, vote) is kept,
     * its mail goes to the new peer. The new peer where the old region's leader is campaigns at once,
     * so the new region's leader is usually where the old one's was; that leader heartbeats as soon
     * as it is elected, and the old leader reports the split to the scheduler.
     */
    private final class StoreSplitPeers implements SplitPeers {

        @Override
        public boolean mayCreate(Metapb.Region region) {
            Router.Mailbox mailbox = router.mailbox(region.getId());
            if (mailbox == null) {
                return true;
            }
            Metapb.Peer mine = Regions.findPeerOnStore(region, storeId);
            return mailbox.peer.region().getPeersCount() == 0
                    && mine != null
                    && mailbox.peer.meta().getId() == mine.getId();
        }

        @Override
        public void onSplitApplied(Peer origin, List<Metapb.Region> all, List<Metapb.Region> created) {
            boolean leader = origin.isLeader();
            for (Metapb.Region region : created) {
                Metapb.Peer meta = Regions.findPeerOnStore(region, storeId);
                if (meta == null) {
                    LOG.warn("store {}: region {} from a split has no peer on this store", storeId, region.getId());
                    continue;
                }
                StartedSplitPeer started = startSplitPeer(region, meta);
                Peer peer = started.peer();
                List<PeerMsg> forwarded = started.forwarded();
                if (leader) {
                    peer.raftNode().campaign();
                }
                for (PeerMsg msg : forwarded) {
                    if (msg instanceof PeerMsg.Command command) {
                        command.callback()
                                .complete(RegionErrors.result(RegionErrors.regionNotFound(region.getId()), 0));
                    } else {
                        router.send(region.getId(), msg);
                    }
                }
                router.reschedule(region.getId());
            }
            if (leader) {
                origin.heartbeats().onConfChangeApplied(origin);
                try {
                    reporter.reportBatchSplit(all);
                } catch (RuntimeException e) {
                    LOG.warn("store {}: reporting the split of region {} failed", storeId, origin.regionId(), e);
                }
            }
        }
    }

    /** The peer a split started here, and the mail of the empty peer it replaced (if any). */
    private record StartedSplitPeer(Peer peer, List<PeerMsg> forwarded) {}

    /**
     * Starts this store's peer of {@code region}, new from a split, replacing the empty peer a
     * message created for it (if any). Under the creation lock of {@link #maybeCreatePeer}: a vote
     * request from the new region's campaigning leader arrives on a network thread at any moment,
     * and without the lock it could register an empty peer between this method's look-up and its
     * register, which then fails on the Raft thread and stops the store. With the lock, such a
     * message either comes first (its empty peer is replaced here) or finds the split's peer.
     */
    private synchronized StartedSplitPeer startSplitPeer(Metapb.Region region, Metapb.Peer meta) {
        List<PeerMsg> forwarded = List.of();
        Router.Mailbox existing = router.mailbox(region.getId());
        boolean replacing = existing != null;
        if (replacing) {
            forwarded = router.unregister(region.getId());
            existing.peer.destroy();
            LOG.info(
                    "store {}: the empty peer {} of region {} is replaced by the split's",
                    storeId,
                    existing.peer.meta().getId(),
                    region.getId());
        }
        PeerStorage storage = openStorage(region);
        Peer peer = new Peer(
                storeId, meta, storage, config, new SplittableRandom(random.nextLong()), newHeartbeats(), nanoClock);
        if (!replacing) {
            peer.skipStartupVoteRefusal();
        }
        router.register(peer);
        return new StartedSplitPeer(peer, forwarded);
    }

    /** The other stores holding peers of this store's regions: those it pings ({@link StoreLiveness}). */
    private java.util.Set<Long> watchedStores() {
        java.util.Set<Long> stores = new java.util.HashSet<>();
        for (long regionId : router.regionIds()) {
            Router.Mailbox mailbox = router.mailbox(regionId);
            if (mailbox != null) {
                for (Metapb.Peer p : mailbox.peer.region().getPeersList()) {
                    stores.add(p.getStoreId());
                }
            }
        }
        stores.remove(storeId);
        return stores;
    }

    /** How many of this store's peers were idle (not ticking) at the last tick. Any thread. */
    public int idleRegions() {
        return idleRegions;
    }

    /** The batch system's counters (group commit sizes, applied entries). Any thread. */
    public RaftStoreStats stats() {
        return poller.stats();
    }

    /** Runs one round of the batch system; returns whether any peer had work. Raft thread only. */
    public boolean pollOnce() {
        return poller.pollRound();
    }

    /** Whether some peer has work waiting for {@link #pollOnce}. */
    public boolean hasWork() {
        return poller.hasWork();
    }

    /** Blocks until some peer has work or the timeout passes. */
    boolean awaitWork(long timeout, TimeUnit unit) throws InterruptedException {
        return poller.awaitWork(timeout, unit);
    }

    /** What a region's peer here knows, or null when there is none. Raft thread only. */
    public RegionStatus regionStatus(long regionId) {
        Router.Mailbox mailbox = router.mailbox(regionId);
        if (mailbox == null) {
            return null;
        }
        Peer peer = mailbox.peer;
        return new RegionStatus(
                peer.region(),
                peer.meta(),
                peer.isLeader(),
                peer.leaderId(),
                peer.term(),
                peer.storage().appliedIndex(),
                peer.storage().lastIndex(),
                peer.storage().truncatedIndex());
    }

    /** How a region's peer here answered reads (lease or ReadIndex), or null without one. Raft thread only. */
    public ReadStats readStats(long regionId) {
        Router.Mailbox mailbox = router.mailbox(regionId);
        return mailbox == null ? null : mailbox.peer.readStats();
    }

    public List<Long> regionIds() {
        return router.regionIds();
    }

    /**
     * Stops the store's peers: every waiting command is answered RegionNotFound. Raft thread only,
     * after the Raft loop stopped. Does not close the engines (their owner does).
     */
    @Override
    public void close() {
        for (long regionId : router.regionIds()) {
            Router.Mailbox mailbox = router.mailbox(regionId);
            List<PeerMsg> left = router.unregister(regionId);
            mailbox.peer.destroy();
            RaftPoller.answerRegionNotFound(regionId, left);
        }
    }

    /** A region's state as one store's peer sees it. */
    public record RegionStatus(
            Metapb.Region region,
            Metapb.Peer peer,
            boolean leader,
            long leaderId,
            long term,
            long appliedIndex,
            long lastIndex,
            long truncatedIndex) {}
}
