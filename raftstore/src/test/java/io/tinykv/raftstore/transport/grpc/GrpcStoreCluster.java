package io.tinykv.raftstore.transport.grpc;

import io.grpc.InsecureChannelCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.raft.SnapshotStatus;
import io.tinykv.raftstore.RaftStorage;
import io.tinykv.raftstore.RaftStore;
import io.tinykv.raftstore.RaftStoreDriver;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.raftstore.snapshot.SnapshotManager;
import io.tinykv.security.ChannelFactory;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Real stores on real threads, one region replicated on all of them, talking through
 * {@link GrpcTransport} and {@link PeerService}, over in-process gRPC (no sockets; a store's server
 * can be stopped and started again under the same name) or plaintext loopback sockets.
 */
final class GrpcStoreCluster implements AutoCloseable {

    static final long CLUSTER_ID = 1;
    static final long REGION_ID = 1;
    static final long TICK_INTERVAL_MS = 20;
    /** As the other raftstore tests: a write on a loaded machine may wait out an election or two. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    /** Small chunks: even a test snapshot travels in several. */
    static final int SNAPSHOT_CHUNK_BYTES = 256;

    static final GrpcTransportConfig TRANSPORT_CONFIG = new GrpcTransportConfig(
            GrpcTransportConfig.DEFAULT_QUEUE_CAPACITY_MESSAGES,
            GrpcTransportConfig.DEFAULT_MAX_BATCH_BYTES,
            SNAPSHOT_CHUNK_BYTES,
            20,
            200,
            10_000);
    private static final long RETRY_INTERVAL_NANOS = Duration.ofMillis(10).toNanos();
    private static final int NETWORK_THREADS_PER_STORE = 2;
    private static final long PEER_IDS_PER_REGION = 100;
    private static final int MAX_REGIONS = 100;

    private final String namePrefix = "grpc-cluster-" + UUID.randomUUID() + "-store-";
    private final Metapb.Region region;
    /** Every region the stores were bootstrapped with; the first is {@link #region}. */
    private final List<Metapb.Region> regions;

    private final Map<Long, Node> nodes = new LinkedHashMap<>();
    private final Wiring wiring;
    /** Loopback wiring: each store's current {@code host:port}. */
    private final Map<Long, String> loopbackAddresses = new ConcurrentHashMap<>();

    /** How the stores reach each other. */
    enum Wiring {
        /** In-process gRPC: no sockets; the server can stop and start again under the same name. */
        IN_PROCESS,
        /** Plaintext HTTP/2 over 127.0.0.1 through {@link ChannelFactory#withCredentials} with the cluster id, as in production. */
        LOOPBACK
    }

    /** One store process: engines, raftstore on its Raft thread, transport out and server in. */
    final class Node {
        final long storeId;
        final Engines engines;
        final ExecutorService workers;
        final ExecutorService network;
        final GrpcTransport transport;
        final RaftStore store;
        final RaftStoreDriver driver;
        final RaftStorage storage;
        final Set<Long> unreachablePeers = ConcurrentHashMap.newKeySet();
        final AtomicLong snapshotsFinished = new AtomicLong();
        private PeerService service;
        private Server server;

        Node(long storeId, Path dir, RaftstoreConfig config) {
            this.storeId = storeId;
            this.engines = TestEngines.open(dir);
            RaftStore.bootstrapStore(engines, CLUSTER_ID, storeId);
            for (Metapb.Region r : regions) {
                RaftStore.bootstrapRegion(engines, r);
            }
            this.workers = Executors.newSingleThreadExecutor(Thread.ofPlatform()
                    .daemon()
                    .name("store-" + storeId + "-worker")
                    .factory());
            this.network = Executors.newFixedThreadPool(
                    NETWORK_THREADS_PER_STORE,
                    Thread.ofPlatform()
                            .daemon()
                            .name("store-" + storeId + "-net-", 0)
                            .factory());
            // The transport exists before the store it reports to.
            AtomicReference<RaftStore> self = new AtomicReference<>();
            TransportReporter reporter = new TransportReporter() {
                @Override
                public void snapshotStatus(long regionId, long toPeerId, SnapshotStatus status) {
                    if (status == SnapshotStatus.FINISH) {
                        snapshotsFinished.incrementAndGet();
                    }
                    RaftStore store = self.get();
                    if (store != null) {
                        store.onSnapshotStatus(regionId, toPeerId, status);
                    }
                }

                @Override
                public void peerUnreachable(long regionId, long toPeerId) {
                    unreachablePeers.add(toPeerId);
                    RaftStore store = self.get();
                    if (store != null) {
                        store.onPeerUnreachable(regionId, toPeerId);
                    }
                }
            };
            this.transport = new GrpcTransport(
                    TRANSPORT_CONFIG,
                    id -> address(id),
                    wiring == Wiring.IN_PROCESS
                            ? target -> InProcessChannelBuilder.forName(target)
                                    .intercept(ClusterIdHeader.attach(CLUSTER_ID))
                                    .build()
                            : ChannelFactory.withCredentials(
                                    InsecureChannelCredentials.create(), ClusterIdHeader.attach(CLUSTER_ID)),
                    reporter,
                    network,
                    System::nanoTime,
                    SnapshotManager.open(engines.dataDir()));
            this.store = new RaftStore(storeId, engines, config, transport, workers, new SplittableRandom(storeId));
            self.set(store);
            this.driver = new RaftStoreDriver(
                    store,
                    TICK_INTERVAL_MS,
                    System::nanoTime,
                    Thread.ofPlatform()
                            .daemon()
                            .name("store-" + storeId + "-raft")
                            .factory());
            this.storage = new RaftStorage(store, COMMAND_TIMEOUT);
            startServer();
        }

        void startServer() {
            startServer(SnapshotRecvLimit.defaults());
        }

        /** Serves with {@code snapshotLimit} on the snapshots it receives at once. */
        void startServer(SnapshotRecvLimit snapshotLimit) {
            service = new PeerService(store, PeerService.DEFAULT_MAX_SNAPSHOT_BYTES, snapshotLimit);
            ServerServiceDefinition guarded =
                    ServerInterceptors.intercept(service, ClusterIdHeader.require(CLUSTER_ID));
            try {
                if (wiring == Wiring.IN_PROCESS) {
                    server = InProcessServerBuilder.forName(address(storeId))
                            .addService(guarded)
                            .maxInboundMessageSize(PeerService.MAX_INBOUND_MESSAGE_BYTES)
                            .build()
                            .start();
                } else {
                    server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                            .addService(guarded)
                            .maxInboundMessageSize(PeerService.MAX_INBOUND_MESSAGE_BYTES)
                            .build()
                            .start();
                    loopbackAddresses.put(storeId, "127.0.0.1:" + server.getPort());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void stopServer() {
            server.shutdownNow();
            try {
                server.awaitTermination(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        PeerService service() {
            return service;
        }

        long peerId() {
            return peer().getId();
        }

        Metapb.Peer peer() {
            return region.getPeersList().stream()
                    .filter(p -> p.getStoreId() == storeId)
                    .findFirst()
                    .orElseThrow();
        }

        Kvrpcpb.Context context() {
            return context(region);
        }

        /** The context of a request to this store's peer of {@code r}. */
        Kvrpcpb.Context context(Metapb.Region r) {
            Metapb.Peer peer = r.getPeersList().stream()
                    .filter(p -> p.getStoreId() == storeId)
                    .findFirst()
                    .orElseThrow();
            return Kvrpcpb.Context.newBuilder()
                    .setRegionId(r.getId())
                    .setPeer(peer)
                    .setRegionEpoch(r.getRegionEpoch())
                    .build();
        }

        /** A key's value as applied on this store (the kv engine is safe to read from any thread). */
        String valueOf(String key) {
            byte[] value = engines.kv().get(Cf.DEFAULT, Keys.dataKey(key.getBytes(StandardCharsets.UTF_8)));
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        RaftApplyState applyState() {
            return engines.kv().getMessage(Cf.DEFAULT, Keys.applyStateKey(REGION_ID), RaftApplyState.parser());
        }

        void close() {
            driver.close();
            transport.close();
            server.shutdownNow();
            workers.shutdownNow();
            network.shutdownNow();
            engines.close();
        }
    }

    GrpcStoreCluster(int storeCount, Path root, RaftstoreConfig config) {
        this(storeCount, root, config, Wiring.IN_PROCESS);
    }

    GrpcStoreCluster(int storeCount, Path root, RaftstoreConfig config, Wiring wiring) {
        this(storeCount, root, config, wiring, 1);
    }

    /**
     * A cluster whose key space is cut into {@code regionCount} regions, each replicated on every
     * store: region 1 is {@code [, "r1")}, region k is {@code ["r"(k-1), "r"k)}, the last is
     * unbounded. Peer ids are {@code 100 * (regionId - 1) + storeId}, so region 1's peer ids are the
     * store ids.
     */
    GrpcStoreCluster(int storeCount, Path root, RaftstoreConfig config, Wiring wiring, int regionCount) {
        this.wiring = wiring;
        if (regionCount < 1 || regionCount >= MAX_REGIONS) {
            throw new IllegalArgumentException("regionCount must be in [1, " + MAX_REGIONS + "), got " + regionCount);
        }
        List<Metapb.Region> all = new ArrayList<>();
        for (long regionId = REGION_ID; regionId < REGION_ID + regionCount; regionId++) {
            long[] peerAndStoreIds = new long[2 * storeCount];
            for (int i = 0; i < storeCount; i++) {
                peerAndStoreIds[2 * i] = PEER_IDS_PER_REGION * (regionId - REGION_ID) + i + 1;
                peerAndStoreIds[2 * i + 1] = i + 1;
            }
            Metapb.Region.Builder r = TestEngines.region(regionId, peerAndStoreIds).toBuilder();
            if (regionId > REGION_ID) {
                r.setStartKey(regionBoundary(regionId - REGION_ID));
            }
            if (regionId < REGION_ID + regionCount - 1) {
                r.setEndKey(regionBoundary(regionId - REGION_ID + 1));
            }
            all.add(r.build());
        }
        this.regions = List.copyOf(all);
        this.region = regions.get(0);
        for (long storeId = 1; storeId <= storeCount; storeId++) {
            nodes.put(storeId, new Node(storeId, root.resolve("store-" + storeId), config));
        }
    }

    /** The boundary between the k-th and (k+1)-th region (k from 1): {@code "r" + k}, zero-padded. */
    static com.google.protobuf.ByteString regionBoundary(long k) {
        return com.google.protobuf.ByteString.copyFromUtf8(String.format("r%02d", k));
    }

    List<Metapb.Region> regions() {
        return regions;
    }

    /** The in-process server name of a store. */
    String addressOf(long storeId) {
        return address(storeId);
    }

    private String address(long storeId) {
        if (storeId < 1 || storeId > region.getPeersCount()) {
            throw new StoreResolver.UnknownStoreException(storeId);
        }
        if (wiring == Wiring.IN_PROCESS) {
            return namePrefix + storeId;
        }
        String address = loopbackAddresses.get(storeId);
        if (address == null) {
            throw new StoreResolver.UnknownStoreException(storeId); // its server has not started yet
        }
        return address;
    }

    Node node(long storeId) {
        return nodes.get(storeId);
    }

    List<Node> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /**
     * Writes {@code key} through the leader's RaftStorage, trying {@code preferred} first and then
     * every store until one accepts before the deadline; returns the store that took it.
     */
    long put(String key, String value, long preferred, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Long> order = new ArrayList<>();
        order.add(preferred);
        nodes.keySet().stream().filter(id -> id != preferred).forEach(order::add);
        RegionException last = null;
        while (System.nanoTime() - deadline < 0) {
            for (long storeId : order) {
                Node node = nodes.get(storeId);
                try {
                    node.storage.write(
                            node.context(),
                            List.of(new Modify.Put(
                                    Cf.DEFAULT,
                                    key.getBytes(StandardCharsets.UTF_8),
                                    value.getBytes(StandardCharsets.UTF_8))));
                    return storeId;
                } catch (RegionException e) {
                    last = e; // not the leader, or no leader yet: try the next store
                }
            }
            LockSupport.parkNanos(RETRY_INTERVAL_NANOS);
        }
        throw new AssertionError("no store accepted a put of " + key + " within " + timeout
                + (last == null ? "" : "; last error: " + last.error()));
    }

    @Override
    public void close() {
        nodes.values().forEach(Node::close);
    }
}
