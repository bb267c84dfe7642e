package io.tinykv.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.util.MutableHandlerRegistry;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.scheduler.ClientPings;
import io.tinykv.proto.PDGrpc;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.security.TlsCredentials;
import io.tinykv.server.bounds.CallLimiter;
import io.tinykv.server.bounds.RepeatedFieldGuard;
import io.tinykv.server.bounds.ServerExecutor;
import io.tinykv.server.config.Config;
import io.tinykv.scheduler.BindErrors;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.server.pd.DurableLong;
import io.tinykv.server.pd.EmbeddedPdService;
import io.tinykv.scheduler.IdAllocator;
import io.tinykv.server.pd.SingleStoreCluster;
import io.tinykv.scheduler.Tso;
import io.tinykv.server.region.SingleRegionStorage;
import io.tinykv.txn.TxnCommands;
import io.tinykv.storage.Storage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One standalone process: a single store with an embedded PD, serving {@code tikvpb.Tikv},
 * {@code pdpb.PD} and {@code grpc.health.v1.Health} on one port, plus Prometheus metrics on the
 * status address.
 *
 * <p>Start-up order matters: the data dir lock comes first (nothing in the directory is touched
 * without it), the health status says SERVING only once every service is registered (clients and
 * tests use it as the readiness signal), and {@link #close()} undoes it all in reverse order.
 */
public final class StandaloneServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StandaloneServer.class);

    /** Ids are reserved on disk this many at a time. */
    private static final long ID_BATCH = 1_000;
    /** After the grace period, cancelled calls get this long to unwind before storage closes. */
    private static final long FORCED_STOP_MILLIS = 1_000;
    /** How long closing waits for handlers still inside storage (e.g. of cancelled calls). */
    private static final long STORAGE_CLOSE_WAIT_MILLIS = 30_000;
    private static final int CLUSTER_ID_RANDOM_BITS = 32;
    private static final long MILLIS_PER_SECOND = 1_000;
    private static final String PD_DIR = "pd";

    private final Config config;
    private final DataDirLock lock;
    private final Storage storage;
    private final Server grpc;
    private final InFlightCalls inFlight;
    private final HealthStatusManager health;
    private final HTTPServer statusServer;
    private final HostAndPort boundAddress;
    private final SingleStoreCluster cluster;
    private final ExecutorService handlers;
    private boolean closed;

    private StandaloneServer(Config config, DataDirLock lock, Storage storage, Server grpc,
            InFlightCalls inFlight, HealthStatusManager health, HTTPServer statusServer, HostAndPort boundAddress,
            SingleStoreCluster cluster, ExecutorService handlers) {
        this.handlers = handlers;
        this.config = config;
        this.lock = lock;
        this.storage = storage;
        this.grpc = grpc;
        this.inFlight = inFlight;
        this.health = health;
        this.statusServer = statusServer;
        this.boundAddress = boundAddress;
        this.cluster = cluster;
    }

    /**
     * Starts everything; on failure, whatever was started is stopped again before the exception
     * propagates. Raw and transactional calls share one region-checked storage and one validator.
     *
     * @throws DataDirLock.DataDirLockedException when another process owns the data dir
     */
    public static StandaloneServer start(Config config, StorageFactory storageFactory,
            LongSupplier clockMillis, RandomGenerator random) {
        Config.Server sc = config.server();
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            DataDirLock lock = DataDirLock.acquire(sc.dataDir());
            opened.add(lock);
            LOG.info("data dir {} (locked)", sc.dataDir().toAbsolutePath());

            Path pdDir = sc.dataDir().resolve(PD_DIR);
            long clusterId = clusterId(new DurableLong(pdDir.resolve("cluster_id")), clockMillis, random);
            Tso tso = new Tso(new DurableLong(pdDir.resolve("tso")), clockMillis, config.pd().tsoSaveWindowMillis());
            IdAllocator ids = new IdAllocator(new DurableLong(pdDir.resolve("alloc_id")), ID_BATCH,
                    SingleStoreCluster.RESERVED_IDS);

            Storage storage = new GuardedStorage(new ApiVersionGate(storageFactory.open(sc.dataDir(), config.storage())),
                    STORAGE_CLOSE_WAIT_MILLIS);
            opened.add(storage);
            LOG.info("storage open");

            PrometheusRegistry metricsRegistry = new PrometheusRegistry();
            TlsCredentials tls = TlsCredentials.of(config.security());
            HTTPServer statusServer = null;
            String statusAddr = "";
            StatusRoutes statusRoutes = new StatusRoutes(config, null);
            if (sc.hasStatusAddr()) {
                HostAndPort status = HostAndPort.parse(sc.statusAddr());
                try {
                    statusServer = HTTPServer.builder()
                            .hostname(status.host())
                            .port(status.port())
                            .registry(metricsRegistry)
                            .defaultHandler(statusRoutes)
                            .httpsConfigurator(tls.httpsConfigurator())
                            .buildAndStart();
                } catch (IOException e) {
                    throw BindErrors.wrap("--status-addr", status, e,
                            "give this process a free --status-addr (each process on a host needs its own)");
                }
                opened.add(statusServer);
                statusAddr = status.withPort(statusServer.getPort()).toString();
                LOG.info("status and metrics on {}://{}/metrics", tls.httpScheme(), statusAddr);
            }

            HealthStatusManager health = new HealthStatusManager();
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.NOT_SERVING);
            MutableHandlerRegistry services = new MutableHandlerRegistry();
            InFlightCalls inFlight = new InFlightCalls();
            int maxCalls = (int) config.limits().maxConcurrentRequests();
            CallLimiter callLimiter = new CallLimiter(maxCalls);
            ExecutorService handlers = ServerExecutor.bounded(maxCalls, "standalone-grpc-");
            opened.add(handlers::shutdownNow);
            Server grpc;
            try {
                grpc = ClientPings.permit(NettyServerBuilder.forAddress(sc.addr().toSocketAddress(),
                                tls.serverCredentials()))
                        .executor(handlers)
                        .maxInboundMessageSize((int) config.limits().grpcMaxMessageSizeBytes())
                        .addService(health.getHealthService())
                        .fallbackHandlerRegistry(services)
                        .intercept(new ServerMetrics(metricsRegistry, System::nanoTime))
                        .intercept(inFlight)
                        .build()
                        .start();
            } catch (IOException e) {
                throw BindErrors.wrap("--addr", sc.addr(), e, "give this process a free --addr");
            }
            opened.add(() -> grpc.shutdownNow().awaitTermination(FORCED_STOP_MILLIS, TimeUnit.MILLISECONDS));

            HostAndPort bound = sc.addr().withPort(grpc.getPort());
            statusRoutes.boundAddresses(bound.toString(), statusAddr);
            HostAndPort advertised = sc.hasAdvertiseAddr() ? HostAndPort.parse(sc.advertiseAddr()) : bound;
            if (!sc.hasAdvertiseAddr() && isWildcard(bound.host())) {
                LOG.warn("listening on a wildcard address ({}) without server.advertise-addr: clients are told "
                        + "to reach the store at {}, which only works on this machine", bound, advertised);
            }
            SingleStoreCluster cluster = SingleStoreCluster.create(clusterId, advertised, statusAddr);
            Storage regionStorage = new SingleRegionStorage(storage, cluster.region(), SingleStoreCluster.STORE_ID);
            RequestValidator validator = new RequestValidator(config.limits());
            services.addService(RepeatedFieldGuard.around(ServerInterceptors.intercept(new TikvService(regionStorage,
                    validator, new TxnHandler(new TxnCommands(regionStorage), validator),
                    new RawValues(config.storage().enableTtl(), clockMillis)), callLimiter),
                    config.limits().maxBatchKeys()));
            services.addService(new EmbeddedPdService(cluster, tso, ids));
            health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, ServingStatus.SERVING);
            health.setStatus(TikvGrpc.SERVICE_NAME, ServingStatus.SERVING);
            health.setStatus(PDGrpc.SERVICE_NAME, ServingStatus.SERVING);
            LOG.info("tinykv standalone listening on {} (advertised as {}), cluster id {}",
                    bound, advertised, clusterId);
            return new StandaloneServer(config, lock, storage, grpc, inFlight, health, statusServer, bound, cluster,
                    handlers);
        } catch (IOException e) {
            closeAll(opened);
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeAll(opened);
            throw e;
        }
    }

    public HostAndPort boundAddress() {
        return boundAddress;
    }

    public SingleStoreCluster cluster() {
        return cluster;
    }

    /** Port of the status/metrics endpoint, or -1 when it is disabled. */
    public int statusPort() {
        return statusServer == null ? -1 : statusServer.getPort();
    }

    public void awaitTermination() throws InterruptedException {
        grpc.awaitTermination();
    }

    /**
     * Stops accepting calls, lets unary calls in flight finish within the grace period, cancels
     * what remains (including streams), and only then closes storage and releases the data dir.
     * Safe to call twice.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long graceMillis = config.server().gracePeriodMillis();
        LOG.info("shutting down: no new requests; waiting up to {} ms for requests in flight", graceMillis);
        health.enterTerminalState();
        grpc.shutdown();
        try {
            if (!inFlight.awaitIdle(graceMillis)) {
                LOG.warn("{} requests still in flight after {} ms; cancelling them", inFlight.active(), graceMillis);
            }
            // Streams (TSO, health watches, heartbeats) never end by themselves: cancel them now.
            grpc.shutdownNow();
            if (!grpc.awaitTermination(FORCED_STOP_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("gRPC calls still unwinding after {} ms; closing storage anyway", FORCED_STOP_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpc.shutdownNow();
        }
        handlers.shutdownNow();
        if (statusServer != null) {
            statusServer.close();
        }
        storage.close();
        LOG.info("storage closed");
        lock.close();
        LOG.info("shutdown complete");
    }

    private static long clusterId(DurableLong file, LongSupplier clockMillis, RandomGenerator random) {
        var stored = file.read();
        if (stored.isPresent()) {
            return stored.getAsLong();
        }
        // As PD does: creation time in seconds, then random bits, so two clusters rarely collide.
        long seconds = clockMillis.getAsLong() / MILLIS_PER_SECOND;
        long id = (seconds << CLUSTER_ID_RANDOM_BITS) | (random.nextLong() >>> (Long.SIZE - CLUSTER_ID_RANDOM_BITS));
        file.write(id);
        LOG.info("new cluster id {}", id);
        return id;
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::");
    }

    private static void closeAll(List<AutoCloseable> opened) {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).close();
            } catch (Exception e) {
                LOG.warn("cleanup after a failed start: {}", e.toString());
            }
        }
    }
}
