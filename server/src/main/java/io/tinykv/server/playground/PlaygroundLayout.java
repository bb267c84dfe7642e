package io.tinykv.server.playground;

import io.tinykv.scheduler.ClientKeyMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Where everything of a playground lives: one folder with {@code scheduler/}, {@code store1/}, ...
 * and their log files beside them, the scheduler on {@code host:pdPort}, store {@code i} (from 1) on
 * {@code host:basePort + i - 1} with its status (metrics) port {@value #STATUS_PORT_OFFSET} above and
 * its store-to-store port ({@code --peer-addr}) {@value #PEER_PORT_OFFSET} above.
 * The same arguments always give the same layout, which is what lets a restart find its data.
 *
 * @param dataDir  the playground's folder
 * @param host     the loopback (or other local) address everything listens on
 * @param stores   how many store processes
 * @param pdPort   the scheduler's port
 * @param basePort the first store's port
 * @param clientKeyMode how the cluster's clients name keys to the scheduler (RAW for RawKV clients and
 *                 {@code tinykv ctl}, TXN for TiKV clients in transactional mode)
 * @param enableTtl every store runs with {@code --enable-ttl} (RawKV TTL; fixed when the stores'
 *                 data is created, so a restart must pass the same)
 */
public record PlaygroundLayout(
        Path dataDir,
        String host,
        int stores,
        int pdPort,
        int basePort,
        ClientKeyMode clientKeyMode,
        boolean enableTtl) {
    /** Store i's status port is its gRPC port plus this (TiKV's 20160 and 20180). */
    public static final int STATUS_PORT_OFFSET = 20;
    /** Store i's store-to-store port is its gRPC port plus this (past every status port): a store's default. */
    public static final int PEER_PORT_OFFSET = io.tinykv.server.config.Config.Server.DEFAULT_PEER_PORT_OFFSET;
    /** Replicas per region the scheduler aims for (TiKV's default), fewer when there are fewer stores. */
    public static final int DEFAULT_MAX_REPLICAS = 3;

    static final String SCHEDULER = "scheduler";
    static final String STORE_PREFIX = "store";
    private static final int MAX_PORT = 65_535;
    private static final int MAX_STORES = STATUS_PORT_OFFSET;

    public PlaygroundLayout {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(clientKeyMode, "clientKeyMode");
        if (stores < 1 || stores > MAX_STORES) {
            throw new IllegalArgumentException("--stores must be between 1 and " + MAX_STORES + ", got " + stores);
        }
        checkPort("--pd-port", pdPort);
        checkPort("--base-port", basePort);
        if (basePort + PEER_PORT_OFFSET + stores - 1 > MAX_PORT) {
            throw new IllegalArgumentException("--base-port " + basePort + " leaves no room for " + stores
                    + " stores and their status ports below " + MAX_PORT);
        }
        checkPort("--pd-port (its status page port is " + STATUS_PORT_OFFSET + " above)", pdPort + STATUS_PORT_OFFSET);
        for (int i = 1; i <= stores; i++) {
            int store = storePort(basePort, i);
            int storeStatus = store + STATUS_PORT_OFFSET;
            int storePeer = store + PEER_PORT_OFFSET;
            int schedulerStatus = pdPort + STATUS_PORT_OFFSET;
            if (store == pdPort
                    || storeStatus == pdPort
                    || storePeer == pdPort
                    || store == schedulerStatus
                    || storeStatus == schedulerStatus
                    || storePeer == schedulerStatus) {
                throw new IllegalArgumentException("--pd-port " + pdPort + " collides with store " + i + "'s ports "
                        + store + ", " + storeStatus + " and " + storePeer + " (--base-port " + basePort
                        + "; the scheduler's status page is on " + schedulerStatus + ")");
            }
        }
    }

    /** A layout whose stores run without TTL. */
    public PlaygroundLayout(
            Path dataDir, String host, int stores, int pdPort, int basePort, ClientKeyMode clientKeyMode) {
        this(dataDir, host, stores, pdPort, basePort, clientKeyMode, false);
    }

    private static int storePort(int basePort, int store) {
        return basePort + store - 1;
    }

    private static void checkPort(String option, int port) {
        if (port < 1 || port > MAX_PORT) {
            throw new IllegalArgumentException(option + " must be a port between 1 and " + MAX_PORT + ", got " + port);
        }
    }

    public String pdAddress() {
        return host + ":" + pdPort;
    }

    /** @param store 1-based */
    public String storeAddress(int store) {
        return host + ":" + storePort(basePort, store);
    }

    /** The scheduler's status page and metrics: {@value #STATUS_PORT_OFFSET} above its port, as for the stores. */
    public String schedulerStatusAddress() {
        return host + ":" + (pdPort + STATUS_PORT_OFFSET);
    }

    /** @param store 1-based */
    public String storeStatusAddress(int store) {
        return host + ":" + (storePort(basePort, store) + STATUS_PORT_OFFSET);
    }

    /** @param store 1-based */
    public String storePeerAddress(int store) {
        return host + ":" + (storePort(basePort, store) + PEER_PORT_OFFSET);
    }

    public int maxReplicas() {
        return Math.min(stores, DEFAULT_MAX_REPLICAS);
    }

    public ChildSpec scheduler() {
        return new ChildSpec(
                SCHEDULER,
                pdAddress(),
                List.of(
                        "scheduler",
                        "--addr",
                        pdAddress(),
                        "--status-addr",
                        schedulerStatusAddress(),
                        "--data-dir",
                        dataDir.resolve(SCHEDULER).toString(),
                        "--max-replicas",
                        Integer.toString(maxReplicas()),
                        "--client-key-mode",
                        clientKeyMode.name()),
                dataDir.resolve(SCHEDULER + ".log"));
    }

    /** @param store 1-based */
    public ChildSpec store(int store) {
        if (store < 1 || store > stores) {
            throw new IllegalArgumentException("store " + store + " is not in 1.." + stores);
        }
        String name = STORE_PREFIX + store;
        List<String> args = new ArrayList<>(List.of(
                "server",
                "--pd",
                pdAddress(),
                "--addr",
                storeAddress(store),
                "--status-addr",
                storeStatusAddress(store),
                "--peer-addr",
                storePeerAddress(store),
                "--data-dir",
                dataDir.resolve(name).toString()));
        if (enableTtl) {
            args.add("--enable-ttl");
        }
        return new ChildSpec(name, storeAddress(store), args, dataDir.resolve(name + ".log"));
    }

    /** The scheduler first, then the stores in order. */
    public List<ChildSpec> children() {
        List<ChildSpec> all = new ArrayList<>();
        all.add(scheduler());
        for (int i = 1; i <= stores; i++) {
            all.add(store(i));
        }
        return all;
    }

    public List<String> storeAddresses() {
        List<String> addresses = new ArrayList<>();
        for (int i = 1; i <= stores; i++) {
            addresses.add(storeAddress(i));
        }
        return addresses;
    }
}
