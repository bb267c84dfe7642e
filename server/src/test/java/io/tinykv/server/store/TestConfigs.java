package io.tinykv.server.store;

import io.tinykv.scheduler.HostAndPort;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigLoader;
import java.nio.file.Path;
import java.util.List;

/** Store configurations for tests: loopback port 0, fast ticks, short timeouts. */
final class TestConfigs {

    static final long TICK_INTERVAL_MILLIS = 20;
    /** Heartbeats to the scheduler every 5 ticks (100 ms): replicas get added quickly. */
    static final int HEARTBEAT_TICKS = 5;

    private static final long SMALL_CACHE_BYTES = 8L * 1024 * 1024;

    private TestConfigs() {}

    static StoreServerConfig store(String pdAddress, Path dataDir) {
        StoreServerConfig d = StoreServerConfig.defaults();
        StoreServerConfig.Store store = d.store()
                .withPdEndpoints(List.of(pdAddress))
                .withTickIntervalMillis(TICK_INTERVAL_MILLIS)
                .withHeartbeatTicks(HEARTBEAT_TICKS, HEARTBEAT_TICKS);
        Config base = ConfigLoader.applyOverrides(
                d.base(), new ConfigLoader.Overrides(new HostAndPort("127.0.0.1", 0), null, "127.0.0.1:0", dataDir));
        // Several stores share one test JVM: small caches.
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

    /** {@link #store} with the store-to-store service on a port of its own (port 0: a fresh one at every start). */
    static StoreServerConfig storeWithPeerPort(String pdAddress, Path dataDir) {
        StoreServerConfig config = store(pdAddress, dataDir);
        return new StoreServerConfig(
                config.base().withServer(config.base().server().withPeerAddr("127.0.0.1:0")),
                config.store(),
                config.coprocessor());
    }
}
