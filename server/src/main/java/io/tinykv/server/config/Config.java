package io.tinykv.server.config;

import io.tinykv.raftstore.transport.grpc.PeerService;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.security.SecurityConfig;
import io.tinykv.storage.DataFormat;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.space.ReserveSpace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a tinykv process can be configured with. Built from the defaults, then a TOML file,
 * then command-line overrides (see {@link ConfigLoader}); {@code config/tinykv.example.toml}
 * documents every setting and its default.
 */
public record Config(Server server, Storage storage, Limits limits, Pd pd, SecurityConfig security) {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;
    /** The largest message the store-to-store service reads. */
    private static final long PEER_MESSAGE_BYTES = PeerService.MAX_INBOUND_MESSAGE_BYTES;

    /**
     * The process as a network server.
     *
     * @param peerAddr where a store serves the store-to-store service ({@code peerpb.Peer}) on a port
     *     of its own, so that a firewall can admit other stores there and clients to {@code addr}
     *     only (advertised to the scheduler as the store's {@code peer_address}); empty (the
     *     default): {@code addr}'s host, {@value #DEFAULT_PEER_PORT_OFFSET} ports above {@code addr}'s
     *     port (port 0 stays 0: a free one); {@value #PEER_ADDR_SHARED}: on {@code addr}, beside the
     *     client API (safe under TLS only, where certificates tell stores from clients)
     */
    public record Server(
            HostAndPort addr,
            String advertiseAddr,
            String statusAddr,
            Path dataDir,
            long gracePeriodMillis,
            String peerAddr) {

        /** The value of {@code peer-addr} that puts the store-to-store service on {@code addr}. */
        public static final String PEER_ADDR_SHARED = "shared";
        /**
         * Without {@code peer-addr}, the store-to-store service listens this many ports above
         * {@code addr}'s port: above the status port's usual +20 (20160 → 20180), and far enough that
         * stores on consecutive client ports (20160, 20161, ...) do not take each other's peer ports.
         */
        public static final int DEFAULT_PEER_PORT_OFFSET = 40;

        private static final int MAX_PORT = 65_535;

        /** With the default peer address ({@code addr}'s port + {@value #DEFAULT_PEER_PORT_OFFSET}). */
        public Server(HostAndPort addr, String advertiseAddr, String statusAddr, Path dataDir, long gracePeriodMillis) {
            this(addr, advertiseAddr, statusAddr, dataDir, gracePeriodMillis, "");
        }

        /** Whether the store-to-store service listens on a port of its own (not {@value #PEER_ADDR_SHARED}). */
        public boolean peerHasOwnPort() {
            return !PEER_ADDR_SHARED.equals(peerAddr);
        }

        /**
         * Where the store-to-store service listens: {@code peer-addr}, or by default {@code addr}'s host
         * and port + {@value #DEFAULT_PEER_PORT_OFFSET}; null when it shares {@code addr}.
         *
         * @throws IllegalArgumentException when {@code peer-addr} is not HOST:PORT
         */
        public HostAndPort peerListenAddress() {
            if (!peerHasOwnPort()) {
                return null;
            }
            if (peerAddr.isEmpty()) {
                return addr.withPort(addr.port() == 0 ? 0 : addr.port() + DEFAULT_PEER_PORT_OFFSET);
            }
            return HostAndPort.parse(peerAddr);
        }

        /** How the peer address was chosen, for messages: the option, and whether it is the default. */
        public String peerAddrSetting() {
            return peerAddr.isEmpty()
                    ? "--peer-addr (default: --addr's port + " + DEFAULT_PEER_PORT_OFFSET + ")"
                    : "--peer-addr";
        }

        public Server withPeerAddr(String value) {
            return new Server(addr, advertiseAddr, statusAddr, dataDir, gracePeriodMillis, value);
        }

        List<String> peerAddrProblems() {
            if (!peerHasOwnPort()) {
                return List.of();
            }
            if (peerAddr.isEmpty() && addr.port() != 0 && addr.port() + DEFAULT_PEER_PORT_OFFSET > MAX_PORT) {
                return List.of("server.peer-addr: its default, server.addr's port + " + DEFAULT_PEER_PORT_OFFSET
                        + ", is beyond " + MAX_PORT + " for addr " + addr + "; set server.peer-addr (--peer-addr)");
            }
            HostAndPort peer;
            try {
                peer = peerListenAddress();
            } catch (IllegalArgumentException e) {
                return List.of("server.peer-addr: " + e.getMessage() + " (or \"" + PEER_ADDR_SHARED
                        + "\" to serve it on server.addr)");
            }
            if (peer.port() != 0 && peer.equals(addr)) {
                return List.of("server.peer-addr " + peer + " is server.addr: give the store-to-store service a port "
                        + "of its own, or \"" + PEER_ADDR_SHARED + "\" to share addr");
            }
            if (peer.port() != 0 && !statusAddr.isEmpty() && peer.toString().equals(statusAddr)) {
                return List.of(peerAddrSetting().replace("--peer-addr", "server.peer-addr") + " " + peer
                        + " is also server.status-addr: give one of them another port");
            }
            return List.of();
        }

        /** {@code statusAddr} empty means: no status/metrics endpoint. */
        public boolean hasStatusAddr() {
            return !statusAddr.isEmpty();
        }

        /** {@code advertiseAddr} empty means: clients reach us at {@code addr}. */
        public boolean hasAdvertiseAddr() {
            return !advertiseAddr.isEmpty();
        }
    }

    /**
     * The RocksDB engines (kv and raft), handed to the storage module's engine configuration, and
     * the disk space the store keeps for itself.
     *
     * @param reserveSpace under this much free space client writes are refused (0: never)
     * @param diskCheckIntervalMillis how often the free space is sampled
     * @param enableTtl TiKV's {@code enable-ttl}: RawKV values carry an expiry (API V1 with TTL).
     *     It changes how raw values are stored, so it is fixed when a store's data is created and a
     *     store refuses to start with the other setting ({@link io.tinykv.storage.DataFormat})
     */
    public record Storage(
            long blockCacheSizeBytes,
            long writeBufferSizeBytes,
            long raftWriteBufferSizeBytes,
            long maxWriteBufferNumber,
            long maxBackgroundJobs,
            long bloomFilterBitsPerKey,
            ReserveSpace reserveSpace,
            long diskCheckIntervalMillis,
            boolean enableTtl) {

        public static final long DEFAULT_DISK_CHECK_INTERVAL_MILLIS = 1_000;
        /** TiKV's default: RawKV without TTL. */
        public static final boolean DEFAULT_ENABLE_TTL = false;

        /** The engines' settings with the default disk space reserve, without TTL. */
        public Storage(
                long blockCacheSizeBytes,
                long writeBufferSizeBytes,
                long maxWriteBufferNumber,
                long maxBackgroundJobs,
                long bloomFilterBitsPerKey) {
            this(
                    blockCacheSizeBytes,
                    writeBufferSizeBytes,
                    maxWriteBufferNumber,
                    maxBackgroundJobs,
                    bloomFilterBitsPerKey,
                    ReserveSpace.DEFAULT,
                    DEFAULT_DISK_CHECK_INTERVAL_MILLIS);
        }

        /** Everything but TTL, which is off. */
        public Storage(
                long blockCacheSizeBytes,
                long writeBufferSizeBytes,
                long maxWriteBufferNumber,
                long maxBackgroundJobs,
                long bloomFilterBitsPerKey,
                ReserveSpace reserveSpace,
                long diskCheckIntervalMillis) {
            this(
                    blockCacheSizeBytes,
                    writeBufferSizeBytes,
                    EngineConfig.DEFAULT_RAFT_WRITE_BUFFER_SIZE_BYTES,
                    maxWriteBufferNumber,
                    maxBackgroundJobs,
                    bloomFilterBitsPerKey,
                    reserveSpace,
                    diskCheckIntervalMillis,
                    DEFAULT_ENABLE_TTL);
        }

        public Storage withReserveSpace(ReserveSpace reserve) {
            return new Storage(
                    blockCacheSizeBytes,
                    writeBufferSizeBytes,
                    raftWriteBufferSizeBytes,
                    maxWriteBufferNumber,
                    maxBackgroundJobs,
                    bloomFilterBitsPerKey,
                    reserve,
                    diskCheckIntervalMillis,
                    enableTtl);
        }

        public Storage withEnableTtl(boolean enable) {
            return new Storage(
                    blockCacheSizeBytes,
                    writeBufferSizeBytes,
                    raftWriteBufferSizeBytes,
                    maxWriteBufferNumber,
                    maxBackgroundJobs,
                    bloomFilterBitsPerKey,
                    reserveSpace,
                    diskCheckIntervalMillis,
                    enable);
        }

        /** How the store's data must be laid out on disk under these settings. */
        public DataFormat dataFormat() {
            return DataFormat.of(enableTtl);
        }

        /**
         * The storage module's engine settings; it checks their ranges.
         *
         * @throws IllegalArgumentException naming the setting that is out of range
         */
        public EngineConfig toEngineConfig() {
            return new EngineConfig(
                    blockCacheSizeBytes,
                    writeBufferSizeBytes,
                    raftWriteBufferSizeBytes,
                    saturatedInt(maxWriteBufferNumber),
                    saturatedInt(maxBackgroundJobs),
                    saturatedInt(bloomFilterBitsPerKey));
        }

        private static int saturatedInt(long value) {
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, value));
        }
    }

    /**
     * Limits enforced at the API edge so that bad input never harms the store.
     *
     * @param maxBatchKeys keys (or pairs, or mutations) one batch request may carry
     * @param maxResponseSizeBytes bytes of keys and values one RawBatchGet, RawScan, KvBatchGet or
     *     KvScan response may carry; a request that would need more is refused, never cut short
     *     (a TiKV client takes a short page for the end of the region)
     * @param maxConcurrentRequests client calls served at once; beyond it a call is answered
     *     {@code server_is_busy} at once (the client backs off) and never read into memory
     */
    public record Limits(
            long maxKeySizeBytes,
            long raftEntryMaxSizeBytes,
            long maxScanLimit,
            long grpcMaxMessageSizeBytes,
            long maxBatchKeys,
            long maxResponseSizeBytes,
            long maxConcurrentRequests) {

        /**
         * Far above what a TiKV Java client sends in one request (at most 1,024 keys per batch;
         * commits in batches of 768 KiB of keys) and still a bounded amount of work.
         */
        public static final long DEFAULT_MAX_BATCH_KEYS = 256 * KIB;
        /** Room for two values of the largest size a write admits (raft-entry-max-size). */
        public static final long DEFAULT_MAX_RESPONSE_SIZE_BYTES = 16 * MIB;
        /** Far above a benchmark's 128 clients. */
        public static final long DEFAULT_MAX_CONCURRENT_REQUESTS = 1_024;

        /** The four original limits; the rest take their defaults. */
        public Limits(
                long maxKeySizeBytes, long raftEntryMaxSizeBytes, long maxScanLimit, long grpcMaxMessageSizeBytes) {
            this(
                    maxKeySizeBytes,
                    raftEntryMaxSizeBytes,
                    maxScanLimit,
                    grpcMaxMessageSizeBytes,
                    DEFAULT_MAX_BATCH_KEYS,
                    DEFAULT_MAX_RESPONSE_SIZE_BYTES,
                    DEFAULT_MAX_CONCURRENT_REQUESTS);
        }

        public Limits withMaxConcurrentRequests(long value) {
            return new Limits(
                    maxKeySizeBytes,
                    raftEntryMaxSizeBytes,
                    maxScanLimit,
                    grpcMaxMessageSizeBytes,
                    maxBatchKeys,
                    maxResponseSizeBytes,
                    value);
        }

        public Limits withMaxResponseSizeBytes(long value) {
            return new Limits(
                    maxKeySizeBytes,
                    raftEntryMaxSizeBytes,
                    maxScanLimit,
                    grpcMaxMessageSizeBytes,
                    maxBatchKeys,
                    value,
                    maxConcurrentRequests);
        }
    }

    /** The scheduler of a standalone process (its TSO), from the {@code [pd]} section. */
    public record Pd(long tsoSaveWindowMillis) {}

    /** Without a {@code [security]} section: plaintext. */
    public Config(Server server, Storage storage, Limits limits, Pd pd) {
        this(server, storage, limits, pd, SecurityConfig.disabled());
    }

    public static Config defaults() {
        return new Config(
                new Server(new HostAndPort("127.0.0.1", 20160), "", "127.0.0.1:20180", Path.of("data"), 10_000),
                new Storage(
                        EngineConfig.DEFAULT_BLOCK_CACHE_SIZE_BYTES,
                        EngineConfig.DEFAULT_WRITE_BUFFER_SIZE_BYTES,
                        EngineConfig.DEFAULT_MAX_WRITE_BUFFER_NUMBER,
                        EngineConfig.DEFAULT_MAX_BACKGROUND_JOBS,
                        EngineConfig.DEFAULT_BLOOM_FILTER_BITS_PER_KEY),
                new Limits(8 * KIB, 8 * MIB, 10_240, 16 * MIB),
                new Pd(3_000));
    }

    public Config withServer(Server newServer) {
        return new Config(newServer, storage, limits, pd, security);
    }

    public Config withStorage(Storage newStorage) {
        return new Config(server, newStorage, limits, pd, security);
    }

    public Config withLimits(Limits newLimits) {
        return new Config(server, storage, newLimits, pd, security);
    }

    public Config withSecurity(SecurityConfig newSecurity) {
        return new Config(server, storage, limits, pd, newSecurity);
    }

    /**
     * Checks every setting and reports all problems at once.
     *
     * @throws ConfigException naming each bad setting, e.g. {@code limits.max-key-size must be > 0 (got -1)}
     */
    public Config validate() {
        List<String> problems = new ArrayList<>();
        if (server.hasAdvertiseAddr()) {
            try {
                HostAndPort a = HostAndPort.parse(server.advertiseAddr());
                if (a.port() == 0) {
                    problems.add("server.advertise-addr must name a real port (got " + a + ")");
                }
            } catch (IllegalArgumentException e) {
                problems.add("server.advertise-addr: " + e.getMessage());
            }
        }
        problems.addAll(server.peerAddrProblems());
        if (server.hasStatusAddr()) {
            try {
                HostAndPort.parse(server.statusAddr());
            } catch (IllegalArgumentException e) {
                problems.add("server.status-addr: " + e.getMessage());
            }
        }
        if (server.dataDir().toString().isEmpty()) {
            problems.add("server.data-dir must not be empty");
        }
        if (server.gracePeriodMillis() < 0) {
            problems.add("server.grace-period must be >= 0 ms (got " + server.gracePeriodMillis() + " ms)");
        }
        positive(problems, "storage.block-cache-size", storage.blockCacheSizeBytes());
        positive(problems, "storage.write-buffer-size", storage.writeBufferSizeBytes());
        positive(problems, "storage.raft-write-buffer-size", storage.raftWriteBufferSizeBytes());
        positive(problems, "storage.max-write-buffer-number", storage.maxWriteBufferNumber());
        positive(problems, "storage.max-background-jobs", storage.maxBackgroundJobs());
        positive(problems, "storage.bloom-filter-bits-per-key", storage.bloomFilterBitsPerKey());
        if (storage.reserveSpace() == null) {
            problems.add("storage.reserve-space must be set");
        }
        positive(problems, "storage.disk-check-interval", storage.diskCheckIntervalMillis());
        try {
            storage.toEngineConfig();
        } catch (IllegalArgumentException e) {
            problems.add("[storage]: " + e.getMessage());
        }
        positive(problems, "limits.max-key-size", limits.maxKeySizeBytes());
        positive(problems, "limits.raft-entry-max-size", limits.raftEntryMaxSizeBytes());
        positive(problems, "limits.max-scan-limit", limits.maxScanLimit());
        positive(problems, "limits.grpc-max-message-size", limits.grpcMaxMessageSizeBytes());
        if (limits.grpcMaxMessageSizeBytes() > Integer.MAX_VALUE) {
            problems.add("limits.grpc-max-message-size must be <= " + Integer.MAX_VALUE + " bytes (got "
                    + limits.grpcMaxMessageSizeBytes() + ")");
        }
        positive(problems, "limits.max-batch-keys", limits.maxBatchKeys());
        positive(problems, "limits.max-response-size", limits.maxResponseSizeBytes());
        positive(problems, "limits.max-concurrent-requests", limits.maxConcurrentRequests());
        if (limits.maxConcurrentRequests() > Integer.MAX_VALUE) {
            problems.add("limits.max-concurrent-requests must be <= " + Integer.MAX_VALUE + " (got "
                    + limits.maxConcurrentRequests() + ")");
        }
        if (limits.raftEntryMaxSizeBytes() > 0
                && limits.maxResponseSizeBytes() > 0
                && limits.maxResponseSizeBytes() < limits.raftEntryMaxSizeBytes()) {
            // Else a value that a write admitted could never be read back by a batch get or a scan.
            problems.add("limits.max-response-size (" + limits.maxResponseSizeBytes()
                    + " bytes) must be at least limits.raft-entry-max-size (" + limits.raftEntryMaxSizeBytes()
                    + " bytes)");
        }
        if (limits.raftEntryMaxSizeBytes() > PEER_MESSAGE_BYTES / 2) {
            // An entry travels to the followers in one store-to-store message, with its envelope
            // and the batch's other messages: larger than that, it could never be replicated and
            // its region would stall.
            problems.add("limits.raft-entry-max-size (" + limits.raftEntryMaxSizeBytes()
                    + " bytes) must be at most half the store-to-store message limit (" + PEER_MESSAGE_BYTES
                    + " bytes)");
        }
        if (limits.maxKeySizeBytes() > 0
                && limits.raftEntryMaxSizeBytes() > 0
                && limits.maxKeySizeBytes() >= limits.raftEntryMaxSizeBytes()) {
            problems.add("limits.max-key-size (" + limits.maxKeySizeBytes()
                    + ") must be smaller than limits.raft-entry-max-size (" + limits.raftEntryMaxSizeBytes() + ")");
        }
        if (pd.tsoSaveWindowMillis() <= 0) {
            problems.add("pd.tso-save-window must be > 0 ms (got " + pd.tsoSaveWindowMillis() + " ms)");
        }
        problems.addAll(security.problems());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return this;
    }

    private static void positive(List<String> problems, String name, long value) {
        if (value <= 0) {
            problems.add(name + " must be > 0 (got " + value + ")");
        }
    }
}
