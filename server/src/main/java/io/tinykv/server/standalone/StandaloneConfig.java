package io.tinykv.server.standalone;

import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.store.StoreServerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a standalone runs with, split into its scheduler's and its store's settings.
 *
 * @param settings as loaded for a store ({@code [server]}, {@code [storage]}, {@code [limits]},
 *     {@code [pd]}, {@code [security]}, {@code [store]}, ...), except that {@code server.addr} and
 *     {@code server.advertise-addr} are the address clients use — the scheduler's, their PD — and
 *     {@code server.data-dir} is the whole standalone's directory
 * @param storeAddr where the store listens; the scheduler tells clients its address
 */
public record StandaloneConfig(StoreServerConfig settings, HostAndPort storeAddr) {

    /** One store: every region has its one replica there. */
    static final int MAX_REPLICAS = 1;

    public StandaloneConfig {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(storeAddr, "storeAddr");
    }

    /** The store beside the scheduler: {@code addr}'s host and the next port (port 0 stays 0). */
    public static HostAndPort defaultStoreAddr(HostAndPort addr) {
        return addr.withPort(addr.port() == 0 ? 0 : addr.port() + 1);
    }

    StandaloneLayout layout() {
        return new StandaloneLayout(settings.server().dataDir());
    }

    /**
     * Checks what only the pair can get wrong; the parts check the rest when they start.
     *
     * @throws ConfigException naming every problem
     */
    public StandaloneConfig validate() {
        List<String> problems = new ArrayList<>();
        HostAndPort addr = settings.server().addr();
        if (storeAddr.port() != 0
                && storeAddr.port() == addr.port()
                && storeAddr.host().equals(addr.host())) {
            problems.add("--store-addr (" + storeAddr + ") must differ from --addr (" + addr + ")");
        }
        if (settings.server().hasAdvertiseAddr() && storeAddr.port() == 0) {
            problems.add("--store-addr needs a real port when --advertise-addr is set: the store is advertised "
                    + "at the advertised host and that port");
        }
        if (!settings.server().hasAdvertiseAddr() && addr.isWildcard()) {
            problems.add("--addr " + addr + " is a wildcard: give --advertise-addr, the HOST:PORT clients reach");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return this;
    }

    /** The scheduler: on {@code server.addr}, one replica per region, its data in {@code scheduler/}. */
    SchedulerConfig scheduler() {
        Config.Server server = settings.server();
        SchedulerConfig d = SchedulerConfig.defaults(layout().schedulerDir());
        HostAndPort advertise = server.hasAdvertiseAddr() ? HostAndPort.parse(server.advertiseAddr()) : null;
        return new SchedulerConfig(
                server.addr(),
                advertise,
                d.dataDir(),
                MAX_REPLICAS,
                d.maxStoreDownTime(),
                d.storeDisconnectTime(),
                d.clientKeyMode(),
                Duration.ofMillis(settings.base().pd().tsoSaveWindowMillis()),
                d.idBatchSize(),
                d.operatorTimeout(),
                d.leaderOperatorTimeout(),
                d.storeStatusCheckInterval(),
                d.schedule(),
                d.gc());
    }

    /** The store: on {@link #storeAddr}, its data in {@code store/}, reporting to the scheduler at {@code pd}. */
    StoreServerConfig store(String pd) {
        Config.Server server = settings.server();
        String advertise = server.hasAdvertiseAddr()
                ? HostAndPort.parse(server.advertiseAddr())
                        .withPort(storeAddr.port())
                        .toString()
                : "";
        Config.Server storeServer = new Config.Server(
                storeAddr,
                advertise,
                server.statusAddr(),
                layout().storeDir(),
                server.gracePeriodMillis(),
                server.peerAddr());
        return settings.withServer(storeServer).withStore(settings.store().withPdEndpoints(List.of(pd)));
    }
}
