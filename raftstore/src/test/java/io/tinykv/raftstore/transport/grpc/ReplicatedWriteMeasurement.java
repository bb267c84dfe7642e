package io.tinykv.raftstore.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
import io.tinykv.raftstore.RaftStoreStats;
import io.tinykv.raftstore.RaftstoreConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.RocksDbLibrary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * A measurement, not a test of speed: writes per second through three replicas in one JVM (real
 * raftstores and engines on real threads, in-process gRPC between them), how many peers' Readys and
 * log entries each synced raft-engine write carried, and synced writes straight to RocksDB at the
 * same concurrency in the same run as the physical reference. It asserts only correctness (every
 * acknowledged write is on every replica); it prints the numbers.
 *
 * <p>Not part of the default run (its name does not end in Test). Run it with
 * {@code mvn -B -pl raftstore -am verify -Dsurefire.failIfNoSpecifiedTests=false
 * -Dtest=ReplicatedWriteMeasurement -Dmeasure.seconds=10 -Dmeasure.clients=1,16,64 -Dmeasure.regions=1,4};
 * the table is in {@code raftstore/target/surefire-reports/*ReplicatedWriteMeasurement-output.txt}
 * and on stdout.
 */
class ReplicatedWriteMeasurement {

    private static final int STORES = 3;
    private static final int VALUE_SIZE_BYTES = 256;
    private static final Duration LEADER_WAIT = Duration.ofSeconds(30);
    private static final Duration CATCH_UP_WAIT = Duration.ofSeconds(60);
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    @TempDir
    Path dir;

    private static List<Integer> ints(String property, String fallback) {
        List<Integer> values = new ArrayList<>();
        for (String s : System.getProperty(property, fallback).split(",")) {
            values.add(Integer.parseInt(s.trim()));
        }
        return values;
    }

    @Test
    void measure() throws Exception {
        Duration run = Duration.ofSeconds(Long.getLong("measure.seconds", 5));
        List<Integer> clientCounts = ints("measure.clients", "1,16,64");
        List<Integer> regionCounts = ints("measure.regions", "1,4");
        StringBuilder table = new StringBuilder(String.format(
                Locale.ROOT,
                "%nwrites through 3 replicas in one JVM (in-process gRPC), %d s per row, %d-byte values%n"
                        + "%-7s %-7s %12s %14s %16s %16s %12s%n",
                run.toSeconds(),
                VALUE_SIZE_BYTES,
                "regions",
                "clients",
                "raft ops/s",
                "rocksdb ops/s",
                "readys/write",
                "entries/fsync",
                "raft/rocksdb"));
        int runNumber = 0;
        for (int regions : regionCounts) {
            for (int clients : clientCounts) {
                Row raft = replicated(dir.resolve("raft-" + runNumber), regions, clients, run);
                double rocks = rocksDb(dir.resolve("rocks-" + runNumber), clients, run);
                runNumber++;
                table.append(String.format(
                        Locale.ROOT,
                        "%-7d %-7d %12.0f %14.0f %16.2f %16.2f %12.2f%n",
                        regions,
                        clients,
                        raft.opsPerSecond,
                        rocks,
                        raft.stats.readysPerRaftWrite(),
                        raft.stats.entriesPerSyncedWrite(),
                        raft.opsPerSecond / rocks));
            }
        }
        System.out.println(table);
    }

    private record Row(double opsPerSecond, RaftStoreStats.Snapshot stats) {}

    private Row replicated(Path root, int regionCount, int clients, Duration run) throws Exception {
        RaftstoreConfig config = RaftstoreConfig.defaults();
        try (GrpcStoreCluster cluster =
                new GrpcStoreCluster(STORES, root, config, GrpcStoreCluster.Wiring.IN_PROCESS, regionCount)) {
            List<Metapb.Region> regions = cluster.regions();
            ConcurrentHashMap<Long, Long> leaderOf = new ConcurrentHashMap<>();
            for (Metapb.Region r : regions) {
                leaderOf.put(r.getId(), firstAcceptingStore(cluster, r, key(r, regions, "warmup"), "leader-probe"));
            }
            List<RaftStoreStats.Snapshot> before = cluster.nodes().stream()
                    .map(n -> n.store.stats().snapshot())
                    .toList();
            AtomicLong acknowledged = new AtomicLong();
            ConcurrentHashMap<String, String> written = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + run.toNanos();
            CountDownLatch done = new CountDownLatch(clients);
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                threads.add(Thread.ofPlatform().name("measure-client-" + c).start(() -> {
                    try {
                        Metapb.Region r = regions.get(client % regions.size());
                        for (long n = 0; System.nanoTime() - deadline < 0; n++) {
                            String key = key(r, regions, client + "-" + n);
                            String value = "v" + n + "-".repeat(VALUE_SIZE_BYTES - 8);
                            long leader = leaderOf.get(r.getId());
                            try {
                                put(cluster.node(leader), r, key, value);
                                written.put(key, value);
                                acknowledged.incrementAndGet();
                            } catch (RegionException e) {
                                leaderOf.put(r.getId(), firstAcceptingStore(cluster, r, key, value));
                                written.put(key, value);
                                acknowledged.incrementAndGet();
                            }
                        }
                    } finally {
                        done.countDown();
                    }
                }));
            }
            done.await();
            for (Thread t : threads) {
                t.join();
            }
            List<RaftStoreStats.Snapshot> after = cluster.nodes().stream()
                    .map(n -> n.store.stats().snapshot())
                    .toList();
            RaftStoreStats.Snapshot total = RaftStoreStats.Snapshot.ZERO;
            for (int i = 0; i < after.size(); i++) {
                total = total.plus(after.get(i).minus(before.get(i)));
            }
            double opsPerSecond = acknowledged.get() / (run.toNanos() / 1e9);
            assertEveryReplicaHas(cluster, written);
            return new Row(opsPerSecond, total);
        }
    }

    /** A key inside region {@code r} (see {@link GrpcStoreCluster#regionBoundary}). */
    private static String key(Metapb.Region r, List<Metapb.Region> regions, String suffix) {
        return (r.getStartKey().isEmpty() ? "a" : r.getStartKey().toStringUtf8() + "-") + suffix;
    }

    private static void put(GrpcStoreCluster.Node node, Metapb.Region r, String key, String value) {
        node.storage.write(
                node.context(r),
                List.of(new Modify.Put(
                        Cf.DEFAULT, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8))));
    }

    /** Writes {@code key} through each store in turn until one (the leader) takes it; returns that store. */
    private static long firstAcceptingStore(GrpcStoreCluster cluster, Metapb.Region r, String key, String value) {
        long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            for (GrpcStoreCluster.Node node : cluster.nodes()) {
                try {
                    put(node, r, key, value);
                    return node.storeId;
                } catch (RegionException e) {
                    // not the leader (yet): the next store
                }
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        throw new AssertionError("region " + r.getId() + " elected no leader within " + LEADER_WAIT);
    }

    /** Every acknowledged write reaches every replica (followers may still be applying: wait for them). */
    private static void assertEveryReplicaHas(GrpcStoreCluster cluster, ConcurrentHashMap<String, String> written) {
        long deadline = System.nanoTime() + CATCH_UP_WAIT.toNanos();
        for (GrpcStoreCluster.Node node : cluster.nodes()) {
            for (var e : written.entrySet()) {
                while (!e.getValue().equals(node.valueOf(e.getKey())) && System.nanoTime() - deadline < 0) {
                    LockSupport.parkNanos(POLL_NANOS);
                }
                if (!e.getValue().equals(node.valueOf(e.getKey()))) {
                    // A later write of the same key cannot exist: keys are unique per run.
                    assertThat(node.valueOf(e.getKey()))
                            .as("store %d, key %s", node.storeId, e.getKey())
                            .isEqualTo(e.getValue());
                }
            }
        }
    }

    /** Synced puts straight into RocksDB from {@code clients} threads: the physical store's rate. */
    private static double rocksDb(Path path, int clients, Duration run) throws Exception {
        Files.createDirectories(path);
        RocksDbLibrary.load();
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(options, path.toString());
                WriteOptions sync = new WriteOptions().setSync(true)) {
            AtomicLong acknowledged = new AtomicLong();
            long deadline = System.nanoTime() + run.toNanos();
            byte[] value = new byte[VALUE_SIZE_BYTES];
            List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (long n = 0; System.nanoTime() - deadline < 0; n++) {
                            db.put(
                                    sync,
                                    String.format("k%04d-%012d", client, n).getBytes(StandardCharsets.UTF_8),
                                    value);
                            acknowledged.incrementAndGet();
                        }
                    } catch (RocksDBException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            return acknowledged.get() / (run.toNanos() / 1e9);
        }
    }
}
