package io.tinykv.server.txnfaults;

import com.google.protobuf.ByteString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.server.store.StoreServer;
import io.tinykv.server.store.StoreServerConfig;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduler and three stores in this JVM on loopback, with the faults the tests inject: a store
 * closed and restarted on its data dir, the scheduler closed and restarted on its data dir and port.
 *
 * <p>The store process offers one way to stop, {@link StoreServer#close()}, which is graceful; the
 * most abrupt form of it is a zero grace period (calls in flight are cancelled at once, nothing
 * waits for them), which is what every store here is configured with. It is not a crash: the engines
 * are closed cleanly, so unsynced writes are not lost (the raftstore simulator covers those).
 */
final class FaultCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FaultCluster.class);

    static final int STORES = 3;
    private static final String LOOPBACK = "127.0.0.1";
    private static final long TICK_INTERVAL_MILLIS = 20;
    /** Heartbeats to the scheduler every 5 ticks (100 ms): replicas are added and leaders learnt quickly. */
    private static final int SCHEDULER_HEARTBEAT_TICKS = 5;

    private static final long SMALL_CACHE_BYTES = 8L * 1024 * 1024;
    /** No grace period: closing a store cancels its calls in flight at once. */
    private static final long ABRUPT_GRACE_MILLIS = 0;

    private static final Duration REPLICATION_WAIT = Duration.ofSeconds(60);
    /** A restarted scheduler may find its port briefly still held by the old socket. */
    private static final Duration REBIND_WAIT = Duration.ofSeconds(20);

    private final Path dir;
    private SchedulerServer scheduler;
    private int schedulerPort;
    private long clusterId;
    /** The tests' own connection to the scheduler, for looking at the region; renewed after failures. */
    private PdClient pd;

    private final StoreServer[] stores = new StoreServer[STORES];
    /** Store ids by index; kept while a store is down. */
    private final long[] storeIds = new long[STORES];

    private FaultCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts the scheduler and the three stores (racing to bootstrap) and waits for three replicas. */
    static FaultCluster start(Path dir) throws Exception {
        FaultCluster cluster = new FaultCluster(dir);
        try {
            cluster.scheduler = startScheduler(dir, 0);
            cluster.schedulerPort = cluster.scheduler.port();
            cluster.clusterId = cluster.scheduler.clusterId();
            cluster.startAllStores();
            cluster.awaitFullReplication();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private static SchedulerServer startScheduler(Path dir, int port) {
        return SchedulerServer.start(
                SchedulerConfig.defaults(dir.resolve("scheduler")).withListenAddress(new HostAndPort(LOOPBACK, port)),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry());
    }

    private StoreServerConfig storeConfig(int index) {
        StoreServerConfig d = StoreServerConfig.defaults();
        StoreServerConfig.Store store = d.store()
                .withPdEndpoints(List.of(schedulerAddress()))
                .withTickIntervalMillis(TICK_INTERVAL_MILLIS)
                .withHeartbeatTicks(SCHEDULER_HEARTBEAT_TICKS, SCHEDULER_HEARTBEAT_TICKS);
        Config base = ConfigLoader.applyOverrides(
                d.base(),
                new ConfigLoader.Overrides(
                        new HostAndPort(LOOPBACK, 0), null, LOOPBACK + ":0", dir.resolve("store" + (index + 1))));
        Config.Server server = base.server();
        base = base.withServer(
                new Config.Server(server.addr(), server.advertiseAddr(), "", server.dataDir(), ABRUPT_GRACE_MILLIS));
        // Three stores share one test JVM: small caches.
        base = new Config(
                base.server(),
                new Config.Storage(
                        SMALL_CACHE_BYTES,
                        SMALL_CACHE_BYTES,
                        SMALL_CACHE_BYTES,
                        base.storage().maxWriteBufferNumber(),
                        base.storage().maxBackgroundJobs(),
                        base.storage().bloomFilterBitsPerKey(),
                        base.storage().reserveSpace(),
                        base.storage().diskCheckIntervalMillis(),
                        base.storage().enableTtl()),
                base.limits(),
                base.pd());
        return new StoreServerConfig(base, store).validate();
    }

    private void startAllStores() throws Exception {
        ExecutorService starters = Executors.newFixedThreadPool(STORES);
        try {
            List<Future<StoreServer>> started = new ArrayList<>();
            for (int i = 0; i < STORES; i++) {
                StoreServerConfig config = storeConfig(i);
                started.add(starters.submit(() -> StoreServer.start(config)));
            }
            for (int i = 0; i < STORES; i++) {
                stores[i] = started.get(i).get();
                storeIds[i] = stores[i].storeId();
            }
        } finally {
            starters.shutdown();
        }
    }

    String schedulerAddress() {
        return LOOPBACK + ":" + schedulerPort;
    }

    ClientConfig clientConfig() {
        return ClientConfig.of(List.of(schedulerAddress()));
    }

    /** The one region as the scheduler sees it, if the scheduler answers. */
    Optional<RegionInfo> region() {
        try {
            if (pd == null) {
                pd = PdClient.connect(clientConfig());
            }
            return pd.getRegion(ByteString.EMPTY);
        } catch (RuntimeException e) {
            // The scheduler is down or restarting: connect afresh next time.
            closePd();
            return Optional.empty();
        }
    }

    private void closePd() {
        if (pd != null) {
            pd.close();
            pd = null;
        }
    }

    /** A voter on every store and a leader: a learner still catching up is not yet a replica a fault may rely on. */
    private boolean fullyReplicated(RegionInfo r) {
        return r.hasLeader()
                && r.region().getPeersList().stream()
                                .filter(p -> p.getRole() != Metapb.PeerRole.Learner)
                                .map(Metapb.Peer::getStoreId)
                                .distinct()
                                .count()
                        == STORES;
    }

    void awaitFullReplication() {
        Await.until(
                () -> region().filter(this::fullyReplicated).isPresent(),
                REPLICATION_WAIT,
                "the region has a replica on each of the " + STORES + " stores and a leader");
    }

    /** Index (0-based) of the running store that holds the region's leader, as the scheduler last heard. */
    int leaderStoreIndex() {
        RegionInfo r = region().filter(RegionInfo::hasLeader)
                .orElseThrow(() -> new AssertionError("the scheduler knows no leader of the region"));
        return indexOfStoreId(r.leader().getStoreId());
    }

    /**
     * Waits until the scheduler names a leader on a running store other than {@code formerIndex};
     * returns that store (the one seen, not a second look: leadership may move again on a busy machine).
     */
    int awaitLeaderElsewhere(int formerIndex, Duration timeout) {
        long formerId = storeIdOf(formerIndex);
        long leaderId = Await.value(
                () -> region().filter(RegionInfo::hasLeader)
                        .map(r -> r.leader().getStoreId())
                        .filter(id -> id != formerId && isRunning(id)),
                timeout,
                "a store other than " + formerId + " leads the region");
        return indexOfStoreId(leaderId);
    }

    private long storeIdOf(int index) {
        return storeIds[index];
    }

    private boolean isRunning(long storeId) {
        for (int i = 0; i < STORES; i++) {
            if (stores[i] != null && stores[i].storeId() == storeId) {
                return true;
            }
        }
        return false;
    }

    private int indexOfStoreId(long storeId) {
        for (int i = 0; i < STORES; i++) {
            if (storeIdOf(i) == storeId) {
                return i;
            }
        }
        throw new AssertionError("no store of this cluster has id " + storeId);
    }

    /** Closes store {@code index} (zero grace period) and returns its store id. */
    long stopStore(int index) {
        StoreServer store = stores[index];
        if (store == null) {
            throw new IllegalStateException("store " + (index + 1) + " is not running");
        }
        long id = storeIdOf(index);
        LOG.info("FAULT: closing store {} (id {})", index + 1, id);
        stores[index] = null;
        store.close();
        return id;
    }

    /** Starts store {@code index} again on its data dir (on a new port) and checks it kept its id. */
    void restartStore(int index) {
        if (stores[index] != null) {
            throw new IllegalStateException("store " + (index + 1) + " is running");
        }
        long formerId = storeIds[index];
        LOG.info("FAULT: restarting store {} (id {})", index + 1, formerId);
        stores[index] = StoreServer.start(storeConfig(index));
        if (stores[index].storeId() != formerId) {
            throw new AssertionError(
                    "store " + (index + 1) + " came back as " + stores[index].storeId() + ", was " + formerId);
        }
    }

    void stopScheduler() {
        LOG.info("FAULT: closing the scheduler");
        scheduler.close();
        scheduler = null;
    }

    /** Starts the scheduler again on its data dir and its former port (clients and stores know only that). */
    void restartScheduler() {
        LOG.info("FAULT: restarting the scheduler on port {}", schedulerPort);
        RuntimeException[] last = new RuntimeException[1];
        boolean started = Await.holdsWithin(
                () -> {
                    try {
                        scheduler = startScheduler(dir, schedulerPort);
                        return true;
                    } catch (RuntimeException e) {
                        last[0] = e;
                        return false;
                    }
                },
                REBIND_WAIT);
        if (!started) {
            throw new AssertionError("the scheduler could not restart on port " + schedulerPort, last[0]);
        }
        if (scheduler.clusterId() != clusterId) {
            throw new AssertionError(
                    "the restarted scheduler has cluster id " + scheduler.clusterId() + ", was " + clusterId);
        }
    }

    @Override
    public void close() {
        closePd();
        for (int i = 0; i < STORES; i++) {
            if (stores[i] != null) {
                stores[i].close();
                stores[i] = null;
            }
        }
        if (scheduler != null) {
            scheduler.close();
            scheduler = null;
        }
    }
}
