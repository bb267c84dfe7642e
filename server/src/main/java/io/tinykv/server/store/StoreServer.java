package io.tinykv.server.store;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.util.MutableHandlerRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.Clock;
import io.tinykv.client.pd.StorePdClient;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.PeerGrpc;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.RaftStorage;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftStoreDriver;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.raftstore.transport.grpc.ClusterIdHeader;
import io.tinykv.raftstore.transport.grpc.GrpcTransport;
import io.tinykv.raftstore.transport.grpc.GrpcTransportConfig;
import io.tinykv.raftstore.transport.grpc.PeerService;
import io.tinykv.raftstore.transport.grpc.SnapshotRecvLimit;
import io.tinykv.raftstore.transport.grpc.SnapshotSendLimit;
import io.tinykv.raftstore.transport.grpc.TransportReporter;
import io.tinykv.scheduler.BindErrors;
import io.tinykv.scheduler.ClientPings;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.security.ChannelFactory;
import io.tinykv.security.StoreCallGuard;
import io.tinykv.security.TlsCredentials;
import io.tinykv.server.ApiVersionGate;
import io.tinykv.server.CallsOnNetworkThread;
import io.tinykv.server.DataDirLock;
import io.tinykv.server.DataFormatCheck;
import io.tinykv.server.ForwardedCalls;
import io.tinykv.server.GuardedStorage;
import io.tinykv.server.InFlightCalls;
import io.tinykv.server.NotYetServing;
import io.tinykv.server.RawValues;
import io.tinykv.server.RequestValidator;
import io.tinykv.server.ServeUntilSignal;
import io.tinykv.server.ServerMetrics;
import io.tinykv.server.StatusRoutes;
import io.tinykv.server.TikvService;
import io.tinykv.server.TinykvVersion;
import io.tinykv.server.TxnHandler;
import io.tinykv.server.config.Config;
import io.tinykv.server.gc.GcSchedulerApi;
import io.tinykv.server.gc.StoreGcRunner;
import io.tinykv.server.gc.StoreGcWorker;
import io.tinykv.server.limits.CallLimiter;
import io.tinykv.server.limits.RepeatedFieldGuard;
import io.tinykv.server.limits.ServerExecutor;
import io.tinykv.storage.AnswerDeadline;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.Storage;
import io.tinykv.storage.space.DiskSpaceGuard;
import io.tinykv.storage.space.FreeSpaceSource;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.concurrency.ConcurrencyManager;
import io.tinykv.txn.concurrency.MaxTsSync;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One store of the replicated cluster ({@code tinykv server}): RocksDB engines, the multi-raft
 * store on its Raft thread, the transport to the other stores, the connection to the scheduler,
 * and one gRPC port serving {@code tikvpb.Tikv} (RawKV and transactions over Raft),
 * {@code grpc.health.v1.Health} and the internal {@code peerpb.Peer} — the latter on a port of its
 * own ({@code server.peer-addr}, by default the client port + 40) unless it is {@code shared};
 * Prometheus metrics on the status address. The peer
 * service takes streams of this cluster only ({@link ClusterIdHeader}) and, under TLS, store
 * certificates only ({@link StoreCallGuard}).
 *
 * <p>Start-up order: the data dir lock (nothing in the directory is touched without it), the
 * engines, the gRPC port (bound early so the advertised address is known, answering NOT_SERVING),
 * the scheduler (waited for), the store's identity and the cluster's bootstrap
 * ({@link StoreBootstrap}), the store's registration, then Raft; health turns SERVING last.
 * {@link #close()} undoes it in reverse: no new calls, calls in flight finish within the grace
 * period, then Raft stops and the engines close.
 */
public final class StoreServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StoreServer.class);

    /** After the grace period, cancelled calls get this long to unwind before Raft stops. */
    private static final long FORCED_STOP_MILLIS = 1_000;
    /** How long closing waits for handlers still inside storage (e.g. of cancelled calls). */
    private static final long STORAGE_CLOSE_WAIT_MILLIS = 30_000;
    /** How long closing waits for snapshot generation or log deletion to finish. */
    private static final long WORKERS_STOP_MILLIS = 10_000;
    /** How often {@link #awaitTermination} checks that the Raft thread is still alive. */
    private static final long FAILURE_CHECK_MILLIS = 500;

    private static final int NETWORK_THREADS = 4;
    /** How often a forwarded call naming an unknown address may make the store list be fetched again. */
    private static final long FORWARD_TARGETS_MIN_REFRESH_MILLIS = 1_000;

    private static final long MILLIS_PER_SECOND = 1_000;
    /** TiKV's max-peer-down-duration is 10 min; ours is shorter so the scheduler replaces a dead replica soon. */
    private static final long PEER_DOWN_MILLIS = 30_000;

    private final StoreServerConfig config;
    private final long storeId;
    private final long clusterId;
    private final HostAndPort boundAddress;
    private final HostAndPort advertisedAddress;
    private final List<AutoCloseable> shutdownOrder;
    private final Server grpc;
    /** The store-to-store service's own port ({@code server.peer-addr}), or null when it is {@code shared}. */
    private final Server peerGrpc;

    private final HostAndPort peerAddress;
    private final InFlightCalls inFlight;
    private final HealthStatusManager health;
    private final RaftStoreDriver driver;
    private final HeartbeatSender heartbeats;
    private final HTTPServer statusServer;
    private final AtomicBoolean stopping;
    private final Engines engines;
    private boolean closed;

    private StoreServer(Builder b) {
        this.config = b.config;
        this.storeId = b.storeId;
        this.clusterId = b.clusterId;
        this.boundAddress = b.boundAddress;
        this.advertisedAddress = b.advertisedAddress;
        this.shutdownOrder = b.afterRpc;
        this.grpc = b.grpc;
        this.peerGrpc = b.peerGrpc;
        this.peerAddress = b.peerAddress;
        this.inFlight = b.inFlight;
        this.health = b.health;
        this.driver = b.driver;
        this.heartbeats = b.heartbeats;
        this.statusServer = b.statusServer;
        this.stopping = b.stopping;
        this.engines = b.engines;
    }

    /** What start-up has built so far; closed in reverse if start-up fails. */
    private static final class Builder {
        StoreServerConfig config;
        long storeId;
        long clusterId;
        HostAndPort boundAddress;
        HostAndPort advertisedAddress;
        Server grpc;
        Server peerGrpc;
        HostAndPort peerAddress;
        InFlightCalls inFlight;
        HealthStatusManager health;
        RaftStoreDriver driver;
        HeartbeatSender heartbeats;
        HTTPServer statusServer;
        Engines engines;
        /** Set when the server stops: a thread failing then is shutting down, not a durability failure. */
        final AtomicBoolean stopping = new AtomicBoolean();
        /** Everything to close after the RPC server stopped, in start order (closed in reverse). */
        final List<AutoCloseable> afterRpc = new ArrayList<>();
    }

    /** Starts with the system clock and a secure random source; durability failures halt the JVM. */
    public static StoreServer start(StoreServerConfig config) {
        return start(config, System::nanoTime, new SecureRandom());
    }

    /** Durability failures halt the JVM ({@link ProcessHalter#RUNTIME}). */
    public static StoreServer start(StoreServerConfig config, LongSupplier nanoClock, RandomGenerator random) {
        return start(config, nanoClock, random, ProcessHalter.RUNTIME);
    }

    /**
     * Starts everything; waits for the scheduler as long as it takes. On failure, whatever was
     * started is stopped again before the exception propagates.
     *
     * @throws DataDirLock.DataDirLockedException when another process owns the data dir
     * @param halter stops the process when a durability path fails or a store thread dies of an
     *     uncaught exception (fail-stop, DESIGN.md §6)
     * @throws StoreBootstrap.ClusterMismatchException when the data dir belongs to another cluster
     */
    public static StoreServer start(
            StoreServerConfig config, LongSupplier nanoClock, RandomGenerator random, ProcessHalter halter) {
        config.validate();
        Config.Server sc = config.server();
        StoreServerConfig.Store st = config.store();
        Builder b = new Builder();
        b.config = config;
        List<AutoCloseable> opened = b.afterRpc;
        try {
            DataDirLock lock = DataDirLock.acquire(sc.dataDir());
            opened.add(lock);
            LOG.info("data dir {} (locked)", sc.dataDir().toAbsolutePath());

            // Before the engines: on a disk under its reserve this frees the placeholder's room,
            // which RocksDB needs to open (a new log and manifest).
            DiskSpaceGuard diskSpace = DiskSpaceGuard.open(
                    sc.dataDir(), config.base().storage().reserveSpace(), FreeSpaceSource.fileSystemOf(sc.dataDir()));
            opened.add(startDiskMonitor(diskSpace, config.base().storage().diskCheckIntervalMillis()));

            Engines engines = Engines.open(sc.dataDir(), config.base().storage().toEngineConfig(), halter);
            Thread.UncaughtExceptionHandler haltOnUncaught = haltOnUncaught(b.stopping, halter);
            opened.add(engines);
            b.engines = engines;
            // Before the scheduler: a store restarted with the other enable-ttl fails at once. A store
            // without an identity has no data yet; its format is recorded before the identity is.
            DataFormatCheck.verifyOrRecord(
                    engines.kv(),
                    config.base().storage().dataFormat(),
                    engines.kv().get(Cf.DEFAULT, Keys.STORE_IDENT_KEY) != null,
                    sc.dataDir().toString());

            TlsCredentials tls = TlsCredentials.of(config.base().security());
            PrometheusRegistry registry = new PrometheusRegistry();
            registerJvmMetrics(registry);
            String statusAddr = "";
            StatusRoutes statusRoutes = new StatusRoutes(config.base(), config.store());
            if (sc.hasStatusAddr()) {
                HostAndPort status = HostAndPort.parse(sc.statusAddr());
                try {
                    b.statusServer = HTTPServer.builder()
                            .hostname(status.host())
                            .port(status.port())
                            .registry(registry)
                            .defaultHandler(statusRoutes)
                            .httpsConfigurator(tls.httpsConfigurator())
                            .buildAndStart();
                } catch (IOException e) {
                    throw BindErrors.wrap("--status-addr", status, e, "give each store its own --status-addr");
                }
                opened.add(b.statusServer);
                statusAddr = status.withPort(b.statusServer.getPort()).toString();
                LOG.info("status and metrics on {}://{}/metrics", tls.httpScheme(), statusAddr);
            }

            b.health = new HealthStatusManager();
            b.health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
            MutableHandlerRegistry services = new MutableHandlerRegistry();
            b.inFlight = new InFlightCalls();
            // One port for clients and stores: the limit must admit the peer service's batches too;
            // client writes are held to limits.raft-entry-max-size by the request validator. With a
            // peer port of its own, the client port takes the client limit alone.
            int maxInbound = sc.peerHasOwnPort()
                    ? (int) config.base().limits().grpcMaxMessageSizeBytes()
                    : (int) Math.max(
                            config.base().limits().grpcMaxMessageSizeBytes(), PeerService.MAX_INBOUND_MESSAGE_BYTES);
            MutableHandlerRegistry peerServices = sc.peerHasOwnPort() ? new MutableHandlerRegistry() : services;
            // Until the real services replace them (below), calls get UNAVAILABLE, which clients
            // and stores retry, not UNIMPLEMENTED.
            services.addService(NotYetServing.placeholder(
                    TikvGrpc.getServiceDescriptor(), "the store is starting; try again shortly"));
            peerServices.addService(NotYetServing.placeholder(
                    PeerGrpc.getServiceDescriptor(), "the store is starting; try again shortly"));
            // Calls the TiKV client relays through this store to another (its leader looked
            // unreachable): known once the scheduler is, and this store's address once it is bound.
            AtomicReference<String> ownAddress = new AtomicReference<>("");
            AtomicReference<StorePdClient> schedulerForRelay = new AtomicReference<>();
            ForwardedCalls forwarded = new ForwardedCalls(
                    ownAddress::get,
                    new StoreAddresses(
                            () -> {
                                StorePdClient s = schedulerForRelay.get();
                                return s == null ? List.of() : s.allStoresOnce();
                            },
                            nanoClock,
                            TimeUnit.MILLISECONDS.toNanos(FORWARD_TARGETS_MIN_REFRESH_MILLIS)),
                    ChannelFactory.withCredentials(tls.channelCredentials()));
            opened.add(forwarded);
            int maxCalls = (int) config.base().limits().maxConcurrentRequests();
            CallLimiter callLimiter = new CallLimiter(maxCalls);
            ExecutorService handlers = ServerExecutor.bounded(maxCalls, "store-grpc-");
            opened.add(handlers::shutdownNow);
            Server grpc;
            try {
                grpc = ClientPings.permit(
                                NettyServerBuilder.forAddress(sc.addr().toSocketAddress(), tls.serverCredentials()))
                        // Method lookup on the network thread; CallsOnNetworkThread says which calls
                        // stay there and hands every other one to the handlers.
                        .directExecutor()
                        .callExecutor(new CallsOnNetworkThread(handlers))
                        .maxInboundMessageSize(maxInbound)
                        .addService(b.health.getHealthService())
                        .fallbackHandlerRegistry(services)
                        .intercept(new ServerMetrics(registry, nanoClock))
                        .intercept(b.inFlight)
                        // Added last, runs first: a relayed call is the target store's to count and check.
                        .intercept(forwarded)
                        .build()
                        .start();
            } catch (IOException e) {
                throw BindErrors.wrap("--addr", sc.addr(), e, "give each store its own --addr");
            }
            b.grpc = grpc;
            b.boundAddress = sc.addr().withPort(grpc.getPort());
            statusRoutes.boundAddresses(b.boundAddress.toString(), statusAddr);
            b.advertisedAddress = sc.hasAdvertiseAddr() ? HostAndPort.parse(sc.advertiseAddr()) : b.boundAddress;
            ownAddress.set(b.advertisedAddress.toString());
            String advertisedPeer = "";
            if (sc.peerHasOwnPort()) {
                HostAndPort peerListen = sc.peerListenAddress();
                try {
                    b.peerGrpc = ClientPings.permit(NettyServerBuilder.forAddress(
                                    peerListen.toSocketAddress(), tls.serverCredentials()))
                            .maxInboundMessageSize(PeerService.MAX_INBOUND_MESSAGE_BYTES)
                            .callExecutor(PeerService.RAFT_STREAMS_ON_NETWORK_THREAD)
                            .fallbackHandlerRegistry(peerServices)
                            .build()
                            .start();
                } catch (IOException e) {
                    throw BindErrors.wrap(
                            sc.peerAddrSetting(),
                            peerListen,
                            e,
                            "give each store its own --peer-addr (stores on one host need peer ports apart)");
                }
                b.peerAddress = peerListen.withPort(b.peerGrpc.getPort());
                // A wildcard peer address is advertised with the host other stores reach this one at.
                advertisedPeer = (isWildcard(peerListen.host())
                                ? b.advertisedAddress.withPort(b.peerGrpc.getPort())
                                : b.peerAddress)
                        .toString();
                LOG.info("store-to-store service on {} (advertised as {})", b.peerAddress, advertisedPeer);
            } else if (!tls.enabled()) {
                LOG.warn(
                        "the store-to-store service shares the client port {} and TLS is off: anyone who can reach "
                                + "that port can send this store Raft messages; leave server.peer-addr (--peer-addr) unset "
                                + "or give it a port of its own, and admit only the other stores to it",
                        b.boundAddress);
            }
            if (!sc.hasAdvertiseAddr() && isWildcard(b.boundAddress.host())) {
                LOG.warn(
                        "listening on a wildcard address ({}) without --advertise-addr: other stores and clients "
                                + "are told {}, which only works on this machine",
                        b.boundAddress,
                        b.advertisedAddress);
            }

            LOG.info("looking for the scheduler at {}", String.join(",", st.pdEndpoints()));
            StorePdClient scheduler = StorePdClient.connect(
                    st.pdEndpoints(),
                    ChannelFactory.withCredentials(tls.channelCredentials()),
                    st.schedulerTimeoutMillis(),
                    st.schedulerMaxBackoffMillis(),
                    Clock.system());
            opened.add(scheduler);
            schedulerForRelay.set(scheduler);
            b.clusterId = scheduler.clusterId();
            long startSeconds = System.currentTimeMillis() / MILLIS_PER_SECOND;
            String advertised = b.advertisedAddress.toString();
            String status = statusAddr;
            String peer = advertisedPeer;
            b.storeId = StoreBootstrap.run(
                    engines, scheduler, id -> storeRecord(id, advertised, peer, status, startSeconds, sc));
            // On every start: the address may have changed since the last one.
            scheduler.putStore(storeRecord(b.storeId, advertised, peer, status, startSeconds, sc));

            StoreMetrics metrics = new StoreMetrics(registry);
            ExecutorService network = Executors.newFixedThreadPool(
                    NETWORK_THREADS,
                    Thread.ofPlatform()
                            .daemon()
                            .name("store-" + b.storeId + "-net-", 0)
                            .uncaughtExceptionHandler(haltOnUncaught)
                            .factory());
            opened.add(network::shutdownNow);
            ExecutorService workers = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                    .daemon()
                    .name("store-" + b.storeId + "-worker")
                    .uncaughtExceptionHandler(haltOnUncaught)
                    .factory());
            opened.add(() -> stopWorkers(workers));

            AtomicReference<RaftStore> self = new AtomicReference<>();
            GrpcTransport transport = new GrpcTransport(
                    GrpcTransportConfig.defaults(),
                    new SchedulerStoreResolver(scheduler),
                    ChannelFactory.withCredentials(tls.channelCredentials(), ClusterIdHeader.attach(b.clusterId)),
                    transportReporter(self, metrics),
                    network,
                    nanoClock,
                    SnapshotManager.open(engines.dataDir()),
                    new SnapshotSendLimit(config.raftstore().concurrentSendSnapLimit()));
            opened.add(transport);
            metrics.registerSnapshotSends(registry, transport::snapshotsSending, transport::snapshotsRefusedSendLimit);
            metrics.registerRaftBatchesSent(registry, transport::raftBatchesSent);

            HeartbeatSender heartbeats = new HeartbeatSender(
                    scheduler,
                    response -> {
                        RaftStore store = self.get();
                        if (store != null) {
                            store.onSchedulerResponse(response);
                        }
                    },
                    () -> {
                        RaftStore store = self.get();
                        if (store != null) {
                            store.onSchedulerReconnected();
                        }
                    },
                    st.heartbeatQueueCapacity(),
                    metrics,
                    nanoClock,
                    Thread.ofPlatform()
                            .daemon()
                            .name("store-" + b.storeId + "-heartbeats")
                            .uncaughtExceptionHandler(haltOnUncaught)
                            .factory());
            opened.add(heartbeats);
            b.heartbeats = heartbeats;

            RaftStore store = new RaftStore(
                    b.storeId, engines, raftConfig(config), transport, heartbeats, workers, random, halter, nanoClock);
            self.set(store);
            // Before the Raft thread starts, so that the histograms see every write the counters do.
            store.stats().observeStagesWith(StoreMetrics.stageHistograms(registry));
            // Closed after the Raft thread stopped (which answers every waiting command), so that
            // closing never waits on a handler that waits on Raft.
            AtomicReference<Storage> storageToClose = new AtomicReference<>();
            opened.add(() -> {
                Storage s = storageToClose.get();
                if (s != null) {
                    s.close();
                }
            });
            b.driver = new RaftStoreDriver(
                    store,
                    st.tickIntervalMillis(),
                    nanoClock,
                    Thread.ofPlatform()
                            .name("store-" + b.storeId + "-raft")
                            .uncaughtExceptionHandler(haltOnUncaught)
                            .factory());
            opened.add(b.driver);

            // Clients hear server_is_busy after this long; their writes' latches are held until settled.
            AnswerDeadline answerDeadline = new AnswerDeadline(Duration.ofMillis(st.commandTimeoutMillis()));
            Storage storage = new GuardedStorage(
                    new ApiVersionGate(new CountingStorage(new RaftStorage(store, answerDeadline, diskSpace), metrics)),
                    STORAGE_CLOSE_WAIT_MILLIS);
            storageToClose.set(storage);
            PeerService peerService = new PeerService(
                    store,
                    PeerService.DEFAULT_MAX_SNAPSHOT_BYTES,
                    new SnapshotRecvLimit(
                            config.raftstore().concurrentRecvSnapLimit(),
                            config.raftstore().snapMaxTotalSizeBytes()));
            metrics.registerSnapshotsReceived(registry, peerService::snapshotsReceived);
            metrics.registerSnapshotsRefused(
                    registry, peerService::snapshotsRefusedBusy, peerService::snapshotsRefusedTarget);
            metrics.registerApplyLag(registry, engines, store::regionIds);
            metrics.registerDiskSpace(registry, diskSpace);
            metrics.registerRaftBatches(registry, () -> store.stats().snapshot());
            metrics.registerMailboxBounds(registry, store::commandsRefusedBusy, store::raftMessagesDroppedBusy);
            metrics.registerIdleRegions(registry, store::idleRegions);

            ExecutorService reads = ReadPool.create(
                    Runtime.getRuntime().availableProcessors(),
                    Thread.ofPlatform()
                            .daemon()
                            .name("store-" + b.storeId + "-read-", 0)
                            .uncaughtExceptionHandler(haltOnUncaught)
                            .factory());
            // Closed before storage (reverse order): queued reads finish and release their snapshots.
            opened.add(() -> ReadPool.stop(reads, WORKERS_STOP_MILLIS));

            RequestValidator validator = new RequestValidator(config.base().limits());
            SafePointGuard gcSafePoint = new SafePointGuard();
            // Commit timestamps this store computes (1PC) lie above every read it served; a new
            // leadership first catches up with the reads served elsewhere through a TSO timestamp.
            MaxTsSync maxTsSync = new MaxTsSync(new ConcurrencyManager(), scheduler::timestampAsync);
            TxnCommands txn = new TxnCommands(
                    storage, new Latches(), new EngineRegionBounds(engines), gcSafePoint, maxTsSync, answerDeadline);
            opened.add(StoreGcRunner.start(
                    new StoreGcWorker(
                            b.storeId,
                            engines,
                            store::regionIds,
                            txn,
                            gcSafePoint,
                            new GcSchedulerApi() {
                                @Override
                                public long gcSafePoint() {
                                    return scheduler.gcSafePointOnce();
                                }

                                @Override
                                public boolean holdSafePoint(String serviceId, long ttlSeconds, long safePoint) {
                                    return scheduler.holdGcSafePointOnce(serviceId, ttlSeconds, safePoint);
                                }
                            },
                            config.gc(),
                            nanoClock),
                    config.gc().runIntervalMillis(),
                    "store-" + b.storeId + "-gc"));
            services.addService(RepeatedFieldGuard.around(
                    ServerInterceptors.intercept(
                            new TikvService(
                                    storage,
                                    validator,
                                    new TxnHandler(txn, validator),
                                    new RawValues(config.base().storage().enableTtl(), System::currentTimeMillis),
                                    new StoreRegionSplitter(store, Duration.ofMillis(st.commandTimeoutMillis())),
                                    reads,
                                    answerDeadline,
                                    handlers),
                            callLimiter),
                    config.base().limits().maxBatchKeys()));
            // Stores only: the cluster's id on every stream, and under TLS a store certificate.
            peerServices.addService(ServerInterceptors.intercept(
                    peerService,
                    ClusterIdHeader.require(b.clusterId),
                    StoreCallGuard.service(tls.storePolicy(), PeerGrpc.SERVICE_NAME)));
            b.health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
            b.health.setStatus(TikvGrpc.SERVICE_NAME, ServingStatus.SERVING);
            b.health.setStatus(PeerGrpc.SERVICE_NAME, ServingStatus.SERVING);
            LOG.info(
                    "tinykv server up: store {} of cluster {} on {} (advertised as {}), regions {}",
                    b.storeId,
                    b.clusterId,
                    b.boundAddress,
                    b.advertisedAddress,
                    store.regionIds());
            return new StoreServer(b);
        } catch (IOException e) {
            abort(b);
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            abort(b);
            throw e;
        }
    }

    /**
     * A store thread that dies of an exception halts the process, unless the store is stopping
     * (threads interrupted, engines closing): its work would otherwise silently stop, or the next
     * task would run as if the failed one had succeeded.
     */
    private static Thread.UncaughtExceptionHandler haltOnUncaught(AtomicBoolean stopping, ProcessHalter halter) {
        return (thread, e) -> {
            if (stopping.get()) {
                LOG.warn("thread {} failed while the store stops: {}", thread.getName(), e.toString());
                return;
            }
            halter.halt("thread " + thread.getName() + " (uncaught exception)", e);
        };
    }

    /**
     * What an operator reads when a store stalls or slows: time in GC by collector, heap and
     * direct memory, time in the JIT, thread counts. All are read from the JVM's MXBeans when
     * scraped; none adds a listener (several stores in one test JVM each have a registry).
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmThreadsMetrics.builder().register(registry);
    }

    /** Samples the free disk space every {@code intervalMillis} on a thread of its own; returns its stopper. */
    private static AutoCloseable startDiskMonitor(DiskSpaceGuard diskSpace, long intervalMillis) {
        ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("disk-space-monitor").factory());
        monitor.scheduleWithFixedDelay(
                () -> {
                    try {
                        diskSpace.sample();
                    } catch (RuntimeException e) {
                        // A failed sample must not end the sampling (a scheduled task that throws is never run again).
                        LOG.warn("disk space sample failed", e);
                    }
                },
                intervalMillis,
                intervalMillis,
                TimeUnit.MILLISECONDS);
        return monitor::shutdownNow;
    }

    static RaftstoreConfig raftConfig(StoreServerConfig config) {
        StoreServerConfig.Store st = config.store();
        return RaftstoreConfig.builder()
                .electionTicks(st.electionTicks())
                .heartbeatTicks(st.heartbeatTicks())
                .raftEntryMaxSizeBytes(config.base().limits().raftEntryMaxSizeBytes())
                .raftLogGcCountLimit(st.raftLogGcCountLimit())
                .regionHeartbeatTicks(st.regionHeartbeatTicks())
                .storeHeartbeatTicks(st.storeHeartbeatTicks())
                .maxPeerDownTicks(maxPeerDownTicks(st))
                .tickIntervalMs(st.tickIntervalMillis())
                .splitCheck(config.coprocessor().toSplitCheck(st.tickIntervalMillis()))
                .notifyCapacity(config.raftstore().notifyCapacity())
                .regionHeartbeatIntervalMs(config.raftstore().pdHeartbeatTickIntervalMillis())
                .hibernateRegions(config.raftstore().hibernateRegions())
                .build();
    }

    /** A peer silent this long is reported down: 30 s of wall time whatever the tick. */
    private static int maxPeerDownTicks(StoreServerConfig.Store st) {
        return (int) Math.max(1, PEER_DOWN_MILLIS / st.tickIntervalMillis());
    }

    private static Metapb.Store storeRecord(
            long id, String address, String peerAddress, String statusAddr, long startSeconds, Config.Server sc) {
        return Metapb.Store.newBuilder()
                .setId(id)
                .setAddress(address)
                .setPeerAddress(peerAddress)
                .setState(Metapb.StoreState.Up)
                .setVersion(TinykvVersion.TIKV_COMPATIBLE_VERSION)
                .setGitHash(TinykvVersion.ownVersion())
                .setStatusAddress(statusAddr)
                .setStartTimestamp(startSeconds)
                .setDeployPath(sc.dataDir().toAbsolutePath().toString())
                .build();
    }

    /** Snapshot outcomes and dropped messages go to the store (and the metrics). */
    private static TransportReporter transportReporter(AtomicReference<RaftStore> self, StoreMetrics metrics) {
        return new TransportReporter() {
            @Override
            public void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
                metrics.snapshotSent(status);
                RaftStore store = self.get();
                if (store != null) {
                    store.onSnapshotStatus(regionId, toPeerId, status);
                }
            }

            @Override
            public void peerUnreachable(long regionId, long toPeerId) {
                RaftStore store = self.get();
                if (store != null) {
                    store.onPeerUnreachable(regionId, toPeerId);
                }
            }
        };
    }

    private static void stopWorkers(ExecutorService workers) throws InterruptedException {
        workers.shutdown();
        if (!workers.awaitTermination(WORKERS_STOP_MILLIS, TimeUnit.MILLISECONDS)) {
            LOG.warn("store workers still busy after {} ms; interrupting them", WORKERS_STOP_MILLIS);
            workers.shutdownNow();
            workers.awaitTermination(WORKERS_STOP_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    public long storeId() {
        return storeId;
    }

    /** The store's engines, for tests that look at what is stored (read-only use). */
    Engines engines() {
        return engines;
    }

    public long clusterId() {
        return clusterId;
    }

    public int port() {
        return boundAddress.port();
    }

    /** The address other stores and clients are told ({@code host:port}). */
    public String address() {
        return advertisedAddress.toString();
    }

    public HostAndPort boundAddress() {
        return boundAddress;
    }

    /** Where the store-to-store service listens on a port of its own, or null when it shares {@link #port()}. */
    public HostAndPort peerAddress() {
        return peerAddress;
    }

    /** Port of the status/metrics endpoint, or -1 when it is disabled. */
    public int statusPort() {
        return statusServer == null ? -1 : statusServer.getPort();
    }

    /**
     * Waits until the server is closed, or until the Raft thread fails; then it closes the server
     * and throws (fail-stop: DESIGN.md §6), so that the process exits instead of serving errors.
     * It also stops, and throws, once the scheduler says this store is a tombstone: its replicas
     * have all moved away and it may never rejoin, so serving on would only repeat refusals.
     */
    public void awaitTermination() throws InterruptedException {
        while (!grpc.awaitTermination(FAILURE_CHECK_MILLIS, TimeUnit.MILLISECONDS)) {
            Throwable failure = driver.failure();
            if (failure != null) {
                LOG.error("store {}: the Raft thread stopped; shutting down", storeId);
                close();
                throw new IllegalStateException("the Raft thread of store " + storeId + " failed: " + failure, failure);
            }
            Optional<String> tombstone = heartbeats.tombstone();
            if (tombstone.isPresent()) {
                String why = "store " + storeId + " is a tombstone (the scheduler says: " + tombstone.get()
                        + "): it was taken offline and its replicas moved to other stores, so it stops. Its data dir "
                        + engines.dataDir() + " holds nothing the cluster needs; to use this machine again, "
                        + "start a store with an empty --data-dir (it joins as a new store)";
                LOG.error(why);
                close();
                throw new ServeUntilSignal.TombstoneException(why);
            }
        }
    }

    /**
     * Stops accepting calls, lets unary calls in flight finish within the grace period, cancels
     * what remains, then stops Raft, the transport and the scheduler connection, closes the engines
     * and releases the data dir. Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopping.set(true);
        long graceMillis = config.server().gracePeriodMillis();
        LOG.info(
                "store {} shutting down: no new requests; waiting up to {} ms for requests in flight",
                storeId,
                graceMillis);
        stopPeerRpc(peerGrpc);
        stopRpc(grpc, health, inFlight, graceMillis);
        closeAll(shutdownOrder);
        LOG.info("store {} shut down", storeId);
    }

    private static void stopRpc(Server grpc, HealthStatusManager health, InFlightCalls inFlight, long graceMillis) {
        if (health != null) {
            health.enterTerminalState();
        }
        if (grpc == null) {
            return;
        }
        grpc.shutdown();
        try {
            if (inFlight != null && !inFlight.awaitIdle(graceMillis)) {
                LOG.warn("{} requests still in flight after {} ms; cancelling them", inFlight.active(), graceMillis);
            }
            // Streams (Raft batches, snapshots, health watches) never end by themselves: cancel them now.
            grpc.shutdownNow();
            if (!grpc.awaitTermination(FORCED_STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("gRPC calls still unwinding after {} ms; stopping Raft anyway", FORCED_STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpc.shutdownNow();
        }
    }

    /** The peer port's calls are streams that never end by themselves: cut them, before Raft stops. */
    private static void stopPeerRpc(Server peerGrpc) {
        if (peerGrpc == null) {
            return;
        }
        peerGrpc.shutdownNow();
        try {
            if (!peerGrpc.awaitTermination(FORCED_STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("store-to-store calls still unwinding after {} ms; stopping Raft anyway", FORCED_STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void abort(Builder b) {
        b.stopping.set(true);
        stopPeerRpc(b.peerGrpc);
        stopRpc(b.grpc, b.health, b.inFlight, 0);
        closeAll(b.afterRpc);
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::");
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                LOG.warn("while stopping: {}", e.toString());
            }
        }
    }
}
