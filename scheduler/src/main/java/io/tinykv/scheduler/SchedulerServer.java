package io.tinykv.scheduler;

import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.Pdpb;
import io.tinykv.scheduler.dashboard.ClusterHistory;
import io.tinykv.scheduler.dashboard.ClusterOps;
import io.tinykv.scheduler.dashboard.DashboardApi;
import io.tinykv.scheduler.dashboard.DashboardConfig;
import io.tinykv.scheduler.dashboard.DashboardViews;
import io.tinykv.scheduler.http.HttpLimits;
import io.tinykv.scheduler.http.PdHttpApi;
import io.tinykv.scheduler.http.PdHttpExecutor;
import io.tinykv.scheduler.http.PdListener;
import io.tinykv.scheduler.http.PdViews;
import io.tinykv.security.StoreCallGuard;
import io.tinykv.security.TlsCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One scheduler process: the cluster metadata (RocksDB under the data dir), the TSO, the id
 * allocator, the coordinator, and on one port the {@code pdpb.PD} gRPC service and PD's HTTP API
 * ({@code /pd/api/v1/...}, see {@link io.tinykv.scheduler.http}). A background
 * thread re-evaluates store statuses every {@code storeStatusCheckInterval} so that stores going
 * down or coming back are logged even when no heartbeat arrives.
 */
public final class SchedulerServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchedulerServer.class);
    /** The scheduler is a one-member "PD cluster"; clients only need the id to be non-zero. */
    static final long MEMBER_ID = 1;

    private static final long SHUTDOWN_GRACE_MILLIS = 5_000;

    private final Server grpc;
    private final HealthStatusManager health;
    private final MetaStore meta;
    private final ClusterMeta cluster;
    private final Coordinator coordinator;
    private final GcSafePoints gcSafePoints;
    private final ScheduledExecutorService background;
    /** Takes the status page's chart samples; set once at start. */
    private ScheduledExecutorService sampler;
    /** Answers PD's HTTP API off the event loops, which also carry gRPC (TSO). */
    private final ExecutorService http;

    private final HostAndPort advertised;
    /** The status page's API, for the status server ({@code --status-addr}) to serve. */
    private final DashboardApi dashboard;

    private boolean closed;

    private SchedulerServer(
            Server grpc,
            MetaStore meta,
            ClusterMeta cluster,
            Coordinator coordinator,
            GcSafePoints gcSafePoints,
            ScheduledExecutorService background,
            ExecutorService http,
            HostAndPort advertised,
            HealthStatusManager health,
            DashboardApi dashboard) {
        this.gcSafePoints = gcSafePoints;
        this.dashboard = dashboard;
        this.http = http;
        this.health = health;
        this.grpc = grpc;
        this.meta = meta;
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.background = background;
        this.advertised = advertised;
    }

    /** Starts with the system clock, a secure random source and the default Prometheus registry. */
    public static SchedulerServer start(SchedulerConfig config) {
        return start(config, TlsCredentials.plaintext());
    }

    /** Like {@link #start(SchedulerConfig)}, serving with {@code tls} (mutual TLS or plaintext). */
    public static SchedulerServer start(SchedulerConfig config, TlsCredentials tls) {
        return start(config, System::currentTimeMillis, new SecureRandom(), PrometheusRegistry.defaultRegistry, tls);
    }

    /** Plaintext. */
    public static SchedulerServer start(
            SchedulerConfig config, LongSupplier clockMillis, RandomGenerator random, PrometheusRegistry registry) {
        return start(config, clockMillis, random, registry, TlsCredentials.plaintext());
    }

    /**
     * Opens the metadata, binds the port and starts serving.
     *
     * @param tls how the port is secured: the {@code [security]} settings' mutual TLS, or plaintext.
     *     Under TLS the store-side calls ({@link SchedulerService#STORE_METHODS}) take store
     *     certificates only ({@link StoreCallGuard}), and a store id is bound to the certificate that
     *     registered it ({@link StoreBindings})
     *
     * @throws IllegalStateException when the metadata is unreadable or corrupt (nothing is served)
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static SchedulerServer start(
            SchedulerConfig config,
            LongSupplier clockMillis,
            RandomGenerator random,
            PrometheusRegistry registry,
            TlsCredentials tls) {
        return start(config, clockMillis, random, registry, tls, DashboardConfig.DEFAULTS);
    }

    /**
     * Like {@link #start(SchedulerConfig, LongSupplier, RandomGenerator, PrometheusRegistry, TlsCredentials)},
     * with the status page's settings.
     */
    public static SchedulerServer start(
            SchedulerConfig config,
            LongSupplier clockMillis,
            RandomGenerator random,
            PrometheusRegistry registry,
            TlsCredentials tls,
            DashboardConfig dashboardConfig) {
        ServerCredentials credentials = tls.serverCredentials();
        MetaStore meta = MetaStore.open(config.dataDir());
        Server grpc = null;
        ScheduledExecutorService background = null;
        ExecutorService http = null;
        HealthStatusManager health = null;
        ScheduledExecutorService sampler = null;
        try {
            long now = clockMillis.getAsLong();
            ClusterMeta cluster = ClusterMeta.load(
                    meta,
                    now,
                    random,
                    config.storeDisconnectTime().toMillis(),
                    config.maxStoreDownTime().toMillis());
            Tso tso = new Tso(
                    meta.cell(MetaStore.TSO_LIMIT),
                    clockMillis,
                    config.tsoSaveWindow().toMillis());
            IdAllocator ids = new IdAllocator(meta.cell(MetaStore.ID_END), config.idBatchSize());
            SchedulerMetrics metrics = new SchedulerMetrics(registry, cluster);
            SchedulerPauses pauses = new SchedulerPauses(clockMillis);
            HeartbeatStreams streams = new HeartbeatStreams();
            Coordinator coordinator = new Coordinator(cluster, ids, config, metrics, pauses, streams);
            AtomicReference<Pdpb.Member> member = new AtomicReference<>();
            GcSafePoints gcSafePoints = new GcSafePoints(meta);
            SchedulerService service = new SchedulerService(
                    cluster,
                    coordinator,
                    tso,
                    ids,
                    member::get,
                    config.clientKeyMode(),
                    clockMillis,
                    metrics,
                    gcSafePoints,
                    new StoreBindings(meta),
                    SplitLimits.DEFAULTS,
                    streams);
            StoreCallGuard storeCalls = StoreCallGuard.methods(tls.storePolicy(), SchedulerService.STORE_METHODS);
            // TiKV clients health-check PD addresses to find the leader (and log every failure).
            health = new HealthStatusManager();
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
            http = PdHttpExecutor.bounded(HttpLimits.DEFAULTS, "scheduler-http-");
            PdViews views = new PdViews(cluster, config, member::get, "v" + SchedulerService.CLUSTER_VERSION);
            ClusterHistory history = new ClusterHistory(
                    cluster,
                    clockMillis,
                    dashboardConfig.samplesKept(),
                    dashboardConfig.sampleInterval().toMillis(),
                    dashboardConfig.scrapeTimeout(),
                    tls);
            DashboardApi dashboard = new DashboardApi(
                    new DashboardViews(cluster, coordinator, tso, ids, config),
                    new ClusterOps(cluster, coordinator, ids::next, pauses, config.maxReplicas(), clockMillis),
                    pauses,
                    history,
                    clockMillis);
            PdHttpApi httpApi = new PdHttpApi(views, pauses, clockMillis, dashboard);
            // PD's HTTP API shares the client port, under TLS as HTTPS behind the same handshake and
            // client-certificate checks as gRPC.
            grpc = ClientPings.permit(PdListener.serverBuilder(
                            config.listenAddress().toSocketAddress(), httpApi, http, HttpLimits.DEFAULTS, credentials))
                    .addService(ServerInterceptors.intercept(service, storeCalls))
                    .addService(health.getHealthService())
                    .build()
                    .start();
            HostAndPort advertised = advertisedAddress(config, grpc.getPort());
            member.set(SchedulerService.member(MEMBER_ID, advertised));
            background = Executors.newSingleThreadScheduledExecutor(daemon("scheduler-background"));
            long intervalMillis = config.storeStatusCheckInterval().toMillis();
            background.scheduleWithFixedDelay(
                    () -> {
                        try {
                            cluster.observeStoreStatuses(clockMillis.getAsLong());
                        } catch (RuntimeException e) {
                            LOG.error("store status check failed", e);
                        }
                    },
                    intervalMillis,
                    intervalMillis,
                    TimeUnit.MILLISECONDS);
            // Scheduling rounds also drop operators that timed out unnoticed, so they run even when
            // balancing is off.
            long roundMillis = config.schedule().balances()
                    ? config.schedule().balanceInterval().toMillis()
                    : intervalMillis;
            background.scheduleWithFixedDelay(
                    () -> {
                        try {
                            coordinator.schedule(clockMillis.getAsLong());
                        } catch (RuntimeException e) {
                            LOG.error("scheduling round failed", e);
                        }
                    },
                    roundMillis,
                    roundMillis,
                    TimeUnit.MILLISECONDS);
            long gcIntervalMillis = config.gc().advanceInterval().toMillis();
            long gcLifeTimeMillis = config.gc().lifeTime().toMillis();
            background.scheduleWithFixedDelay(
                    () -> {
                        try {
                            gcSafePoints.advance(clockMillis.getAsLong(), gcLifeTimeMillis);
                        } catch (RuntimeException e) {
                            LOG.error("moving the GC safe point failed", e);
                        }
                    },
                    0,
                    gcIntervalMillis,
                    TimeUnit.MILLISECONDS);
            StoreLifecycle lifecycle = new StoreLifecycle(
                    cluster, coordinator, dashboardConfig.warningRepeat().toMillis());
            background.scheduleWithFixedDelay(
                    () -> {
                        try {
                            lifecycle.check(clockMillis.getAsLong());
                        } catch (RuntimeException e) {
                            LOG.error("store lifecycle check failed", e);
                        }
                    },
                    intervalMillis,
                    intervalMillis,
                    TimeUnit.MILLISECONDS);
            // Scraping stores may wait on their timeouts: not on the thread that schedules.
            long sampleMillis = dashboardConfig.sampleInterval().toMillis();
            sampler = Executors.newSingleThreadScheduledExecutor(daemon("scheduler-status-sampler"));
            sampler.scheduleWithFixedDelay(
                    () -> {
                        try {
                            history.sample();
                        } catch (RuntimeException e) {
                            LOG.error("status page sample failed", e);
                        }
                    },
                    0,
                    sampleMillis,
                    TimeUnit.MILLISECONDS);
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
            health.setStatus(PDGrpc.SERVICE_NAME, ServingStatus.SERVING);
            LOG.info(
                    "scheduler ready: cluster {} listening on {}, advertising {}, data dir {}, client key mode {}",
                    cluster.clusterId(),
                    config.listenAddress().withPort(grpc.getPort()),
                    advertised,
                    config.dataDir().toAbsolutePath(),
                    config.clientKeyMode());
            SchedulerServer server = new SchedulerServer(
                    grpc, meta, cluster, coordinator, gcSafePoints, background, http, advertised, health, dashboard);
            server.sampler = sampler;
            return server;
        } catch (IOException e) {
            cleanup(grpc, background, http, meta);
            shutdown(sampler);
            throw new UncheckedIOException(
                    BindErrors.message(
                            "--addr",
                            config.listenAddress(),
                            e,
                            "give the scheduler a free --addr (and the stores its address in --pd)"),
                    e);
        } catch (RuntimeException | Error e) {
            cleanup(grpc, background, http, meta);
            shutdown(sampler);
            throw e;
        }
    }

    private static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    private static HostAndPort advertisedAddress(SchedulerConfig config, int boundPort) {
        HostAndPort a = config.advertiseAddress() != null ? config.advertiseAddress() : config.listenAddress();
        return a.port() == 0 ? a.withPort(boundPort) : a;
    }

    public int port() {
        return grpc.getPort();
    }

    /** The advertised address, {@code host:port}, that clients and stores use. */
    public String address() {
        return advertised.toString();
    }

    public long clusterId() {
        return cluster.clusterId();
    }

    public ClusterMeta cluster() {
        return cluster;
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    /** The MVCC GC safe point and the service safe points holding it back. */
    public GcSafePoints gcSafePoints() {
        return gcSafePoints;
    }

    /** The status page's JSON API, which the status server serves beside the page. */
    public DashboardApi dashboard() {
        return dashboard;
    }

    private static void shutdown(ScheduledExecutorService executor) {
        if (executor != null) {
            executor.shutdownNow();
        }
    }

    /** Blocks until the server is closed. */
    public void awaitTermination() throws InterruptedException {
        grpc.awaitTermination();
    }

    /** Stops serving, waits for calls in flight, then closes the metadata. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        health.enterTerminalState();
        background.shutdownNow();
        shutdown(sampler);
        grpc.shutdown();
        try {
            if (!grpc.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                grpc.shutdownNow();
                grpc.awaitTermination();
            }
            background.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            http.shutdownNow();
            http.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpc.shutdownNow();
        }
        // Only after every call has finished: RocksDB must not be closed under a running call.
        if (grpc.isTerminated()) {
            meta.close();
        } else {
            LOG.warn("gRPC calls still running after shutdown; leaving the metadata open");
        }
        LOG.info("scheduler stopped");
    }

    private static void cleanup(
            Server grpc, ScheduledExecutorService background, ExecutorService http, MetaStore meta) {
        if (background != null) {
            background.shutdownNow();
        }
        if (http != null) {
            http.shutdownNow();
        }
        if (grpc != null) {
            grpc.shutdownNow();
            try {
                grpc.awaitTermination(SHUTDOWN_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        meta.close();
    }
}
