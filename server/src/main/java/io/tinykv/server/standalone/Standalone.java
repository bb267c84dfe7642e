package io.tinykv.server.standalone;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.security.TlsCredentials;
import io.tinykv.server.DataDirLock;
import io.tinykv.server.store.StoreServer;
import java.security.SecureRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tinykv standalone}: a one-store cluster in one process — the {@link SchedulerServer} of
 * {@code tinykv scheduler}, keeping one replica per region, and the {@link StoreServer} of
 * {@code tinykv server}, bootstrapping the cluster on its first start. Clients use the
 * scheduler's address as their PD; it tells them where the store is, as in any cluster. So a write
 * goes through Raft like anywhere else: a single-peer region commits an entry once its own log
 * write is synced, and that synced write is the one a write costs.
 *
 * <p>Start-up order: the lock on the whole data dir (nothing in it is touched without it), an old
 * standalone's directory moved into the layout ({@link LegacyStandaloneDir}), the scheduler, then
 * the store, which finds the scheduler at its bound address. {@link #close()} stops them in reverse.
 */
public final class Standalone implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);

    private final DataDirLock lock;
    private final SchedulerServer scheduler;
    private final StoreServer store;
    private final HostAndPort schedulerAddress;
    private boolean closed;

    private Standalone(DataDirLock lock, SchedulerServer scheduler, StoreServer store, HostAndPort schedulerAddress) {
        this.lock = lock;
        this.scheduler = scheduler;
        this.store = store;
        this.schedulerAddress = schedulerAddress;
    }

    /**
     * Starts both parts; on failure whatever started is stopped again before the exception propagates.
     *
     * @throws DataDirLock.DataDirLockedException when another process owns the data dir
     * @throws io.tinykv.server.DataFormatCheck.MismatchException when the data was created with the
     *     other {@code enable-ttl} setting
     */
    public static Standalone start(StandaloneConfig config) {
        StandaloneLayout layout = config.validate().layout();
        DataDirLock lock = DataDirLock.acquire(layout.dataDir());
        SchedulerServer scheduler = null;
        try {
            LOG.info(
                    "data dir {} (locked): scheduler in {}/, store in {}/",
                    layout.dataDir().toAbsolutePath(),
                    StandaloneLayout.SCHEDULER_DIR,
                    StandaloneLayout.STORE_DIR);
            LegacyStandaloneDir.migrateIfLegacy(layout, config.settings().base().storage());
            // Its own registry: the store's status endpoint serves the store's metrics, as in a cluster.
            scheduler = SchedulerServer.start(
                    config.scheduler(),
                    System::currentTimeMillis,
                    new SecureRandom(),
                    new PrometheusRegistry(),
                    TlsCredentials.of(config.settings().base().security()));
            HostAndPort bound = config.settings().server().addr().withPort(scheduler.port());
            // The store reaches the scheduler in this process at the address it is bound to.
            HostAndPort local = bound.isWildcard() ? new HostAndPort("127.0.0.1", bound.port()) : bound;
            StoreServer store = StoreServer.start(config.store(local.toString()));
            LOG.info(
                    "tinykv standalone up: clients use {} as their PD (the scheduler); store {} on {}",
                    scheduler.address(),
                    store.storeId(),
                    store.address());
            return new Standalone(lock, scheduler, store, bound);
        } catch (RuntimeException | Error e) {
            if (scheduler != null) {
                scheduler.close();
            }
            lock.close();
            throw e;
        }
    }

    /** Where the scheduler listens: the address clients give as their PD. */
    public HostAndPort schedulerAddress() {
        return schedulerAddress;
    }

    /** Where the store listens. */
    public HostAndPort storeAddress() {
        return store.boundAddress();
    }

    /** Port of the store's status/metrics endpoint, or -1 when it is disabled. */
    public int statusPort() {
        return store.statusPort();
    }

    public SchedulerServer scheduler() {
        return scheduler;
    }

    public StoreServer store() {
        return store;
    }

    /**
     * Waits until the store is closed, or until its Raft thread fails (then it is closed and this
     * throws: fail-stop).
     */
    public void awaitTermination() throws InterruptedException {
        store.awaitTermination();
    }

    /** Stops the store (its requests in flight finish first), then the scheduler, then releases the dir. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("standalone shutting down");
        try {
            store.close();
        } finally {
            try {
                scheduler.close();
            } finally {
                lock.close();
                LOG.info("shutdown complete");
            }
        }
    }
}
