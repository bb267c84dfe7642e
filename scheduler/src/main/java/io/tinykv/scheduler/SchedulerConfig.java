package io.tinykv.scheduler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one scheduler process. Validated on construction: a bad value fails with a message
 * naming the setting.
 *
 * @param listenAddress where the gRPC service listens; port 0 picks a free port
 * @param advertiseAddress the address clients and stores are told (GetMembers' client URL); null
 *     means the listen address, and port 0 means the port actually bound
 * @param dataDir where the cluster metadata (RocksDB) lives
 * @param maxReplicas how many peers every region should have, on distinct stores
 * @param maxStoreDownTime how long a store may miss heartbeats before its peers are replaced
 * @param storeDisconnectTime how long without a heartbeat before a store counts as disconnected:
 *     it gets no new peers, but its peers are not replaced yet
 * @param clientKeyMode how clients name keys: {@link ClientKeyMode#RAW} (as they are) or
 *     {@link ClientKeyMode#TXN} (memcomparable-encoded, as a TiKV client in transactional API V1
 *     mode sends them); one mode per cluster
 * @param tsoSaveWindow how far ahead of the handed-out timestamps the TSO limit is persisted
 * @param idBatchSize how many ids are reserved per durable write
 * @param operatorTimeout how long an operator that adds or removes peers may stay unfinished before it
 *     is dropped (a snapshot of a large region takes minutes)
 * @param leaderOperatorTimeout how long an operator that only moves leadership may stay unfinished
 *     (PD's 10 s): a transfer that has not happened by then will not, and the operator would hold its
 *     region and its stores' leader limits for nothing
 * @param storeStatusCheckInterval how often store states (up, disconnected, down) are re-evaluated
 *     and their changes logged
 * @param schedule how leaders and regions are balanced and fresh regions scattered (PD's
 *     {@code [schedule]}): intervals, limits per store, tolerance bands
 * @param gc how the MVCC GC safe point moves (gc-life-time)
 */
public record SchedulerConfig(
        HostAndPort listenAddress,
        HostAndPort advertiseAddress,
        Path dataDir,
        int maxReplicas,
        Duration maxStoreDownTime,
        Duration storeDisconnectTime,
        ClientKeyMode clientKeyMode,
        Duration tsoSaveWindow,
        int idBatchSize,
        Duration operatorTimeout,
        Duration leaderOperatorTimeout,
        Duration storeStatusCheckInterval,
        ScheduleConfig schedule,
        GcConfig gc) {

    public static final HostAndPort DEFAULT_LISTEN_ADDRESS = new HostAndPort("127.0.0.1", 2379);
    public static final int DEFAULT_MAX_REPLICAS = 3;
    public static final Duration DEFAULT_MAX_STORE_DOWN_TIME = Duration.ofMinutes(30);
    public static final Duration DEFAULT_STORE_DISCONNECT_TIME = Duration.ofSeconds(20);
    public static final Duration DEFAULT_TSO_SAVE_WINDOW = Duration.ofSeconds(3);
    public static final int DEFAULT_ID_BATCH_SIZE = 1_000;
    public static final Duration DEFAULT_OPERATOR_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_LEADER_OPERATOR_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_STORE_STATUS_CHECK_INTERVAL = Duration.ofSeconds(1);
    /** A raft group with more voters than this is not something we mean to run. */
    static final int MAX_MAX_REPLICAS = 9;

    public SchedulerConfig {
        Objects.requireNonNull(listenAddress, "listenAddress");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clientKeyMode, "clientKeyMode");
        if (maxReplicas < 1 || maxReplicas > MAX_MAX_REPLICAS) {
            throw new IllegalArgumentException(
                    "max-replicas must be in 1.." + MAX_MAX_REPLICAS + " (got " + maxReplicas + ")");
        }
        requirePositive("max-store-down-time", maxStoreDownTime);
        requirePositive("store-disconnect-time", storeDisconnectTime);
        if (storeDisconnectTime.compareTo(maxStoreDownTime) > 0) {
            throw new IllegalArgumentException("store-disconnect-time (" + storeDisconnectTime
                    + ") must not exceed max-store-down-time (" + maxStoreDownTime + ")");
        }
        requirePositive("tso-save-window", tsoSaveWindow);
        if (idBatchSize < 1) {
            throw new IllegalArgumentException("id-batch-size must be >= 1 (got " + idBatchSize + ")");
        }
        requirePositive("operator-timeout", operatorTimeout);
        requirePositive("leader-operator-timeout", leaderOperatorTimeout);
        requirePositive("store-status-check-interval", storeStatusCheckInterval);
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(gc, "gc");
        if (advertiseAddress == null && listenAddress.isWildcard()) {
            throw new IllegalArgumentException(
                    "listen address " + listenAddress + " is a wildcard; give an advertise address clients can reach");
        }
        if (advertiseAddress != null && advertiseAddress.isWildcard()) {
            throw new IllegalArgumentException(
                    "advertise address " + advertiseAddress + " is a wildcard; clients cannot connect to it");
        }
    }

    /** Defaults for everything but the data directory. */
    public static SchedulerConfig defaults(Path dataDir) {
        return new SchedulerConfig(
                DEFAULT_LISTEN_ADDRESS,
                null,
                dataDir,
                DEFAULT_MAX_REPLICAS,
                DEFAULT_MAX_STORE_DOWN_TIME,
                DEFAULT_STORE_DISCONNECT_TIME,
                ClientKeyMode.RAW,
                DEFAULT_TSO_SAVE_WINDOW,
                DEFAULT_ID_BATCH_SIZE,
                DEFAULT_OPERATOR_TIMEOUT,
                DEFAULT_LEADER_OPERATOR_TIMEOUT,
                DEFAULT_STORE_STATUS_CHECK_INTERVAL,
                ScheduleConfig.defaults(),
                GcConfig.defaults());
    }

    public SchedulerConfig withListenAddress(HostAndPort value) {
        return new SchedulerConfig(
                value,
                advertiseAddress,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withAdvertiseAddress(HostAndPort value) {
        return new SchedulerConfig(
                listenAddress,
                value,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withMaxReplicas(int value) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                value,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withStoreTimes(Duration disconnect, Duration down) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                maxReplicas,
                down,
                disconnect,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withClientKeyMode(ClientKeyMode value) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                value,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withOperatorTimeout(Duration value) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                value,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withLeaderOperatorTimeout(Duration value) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                value,
                storeStatusCheckInterval,
                schedule,
                gc);
    }

    public SchedulerConfig withSchedule(ScheduleConfig value) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                value,
                gc);
    }

    public SchedulerConfig withGc(GcConfig value) {
        return new SchedulerConfig(
                listenAddress,
                advertiseAddress,
                dataDir,
                maxReplicas,
                maxStoreDownTime,
                storeDisconnectTime,
                clientKeyMode,
                tsoSaveWindow,
                idBatchSize,
                operatorTimeout,
                leaderOperatorTimeout,
                storeStatusCheckInterval,
                schedule,
                value);
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration (got " + value + ")");
        }
    }
}
