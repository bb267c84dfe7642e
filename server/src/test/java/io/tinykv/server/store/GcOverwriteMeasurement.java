package io.tinykv.server.store;

import com.google.protobuf.ByteString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.PdClient;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.Transaction;
import io.tinykv.client.TxnKvClient;
import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.GcConfig;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.server.gc.StoreGcConfig;
import io.tinykv.storage.Cf;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.UserKeyReader;
import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.mvcc.MvccKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The note's measurement, not part of the default suite: a one-store cluster overwritten on a
 * small key set for {@code -Dgc.measure.minutes=N} minutes, once with GC (gc-life-time 10 s) and
 * once without (a life time of a year), then versions per key and the store's data directory size
 * side by side. Run with
 * {@code mvn -pl server -am verify -Dtest=GcOverwriteMeasurement -Dgc.measure.minutes=2 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "gc.measure.minutes", matches = "\\d+(\\.\\d+)?")
class GcOverwriteMeasurement {

    private static final int KEYS = 16;
    private static final int THREADS = 4;
    private static final int VALUE_BYTES = 512;

    @TempDir
    Path dir;

    @Test
    void versionsAndDiskWithAndWithoutGc() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("gc.measure.minutes"));
        Duration run = Duration.ofMillis((long) (minutes * 60_000));
        String on = measure("gc-on", new GcConfig(Duration.ofSeconds(10), Duration.ofSeconds(1)), run);
        String off = measure("gc-off", new GcConfig(Duration.ofDays(365), Duration.ofSeconds(1)), run);
        System.out.println("GC MEASUREMENT (" + minutes + " min of overwrites, " + KEYS + " keys, " + THREADS
                + " threads, " + VALUE_BYTES + " B values)\n  " + on + "\n  " + off);
    }

    private String measure(String name, GcConfig gc, Duration run) throws Exception {
        Path base = dir.resolve(name);
        try (SchedulerServer scheduler = SchedulerServer.start(SchedulerConfig.defaults(base.resolve("scheduler"))
                        .withListenAddress(new HostAndPort("127.0.0.1", 0)).withMaxReplicas(1).withGc(gc),
                System::currentTimeMillis, new SecureRandom(), new PrometheusRegistry());
             StoreServer store = StoreServer.start(TestConfigs.store(scheduler.address(), base.resolve("store"))
                     .withGc(StoreGcConfig.defaults().withRunIntervalMillis(1_000)))) {
            ClientConfig config = ClientConfig.of(List.of(scheduler.address()));
            try (PdClient pd = PdClient.connect(config)) {
                Await.value(() -> pd.getRegion(ByteString.EMPTY).filter(r -> r.hasLeader()), Duration.ofSeconds(60),
                        "the region has a leader");
            }
            AtomicLong commits = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            ByteString value = ByteString.copyFrom(new byte[VALUE_BYTES]);
            try (TxnKvClient client = TxnKvClient.create(config)) {
                List<Thread> threads = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int seed = t;
                    threads.add(Thread.ofPlatform().start(() -> {
                        int i = seed;
                        while (!stop.get()) {
                            try (Transaction txn = client.begin()) {
                                txn.put(ByteString.copyFromUtf8("k" + (i++ % KEYS)), value);
                                txn.commit();
                                commits.incrementAndGet();
                            } catch (TinyKvException e) {
                                // a conflict or a slow moment: the next overwrite goes on
                            }
                        }
                    }));
                }
                long deadline = System.nanoTime() + run.toNanos();
                Await.until(() -> System.nanoTime() >= deadline, run.plusMinutes(1), "the run's duration");
                stop.set(true);
                for (Thread t : threads) {
                    t.join();
                }
            }
            return String.format("%s: %d commits, %d write records for %d keys (max %d per key), data dir %.1f MiB",
                    name, commits.get(), totalVersions(store), KEYS, maxVersions(store),
                    dirBytes(base.resolve("store")) / (1024.0 * 1024.0));
        }
    }

    private static Map<ByteString, Integer> versions(StoreServer store) {
        Map<ByteString, Integer> versions = new HashMap<>();
        try (StorageReader reader = new UserKeyReader(store.engines().kv().snapshot());
             KvIterator it = reader.iterator(Cf.WRITE)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                versions.merge(ByteString.copyFrom(MvccKey.decode(it.key()).userKey()), 1, Integer::sum);
            }
        }
        return versions;
    }

    private static long totalVersions(StoreServer store) {
        return versions(store).values().stream().mapToLong(Integer::longValue).sum();
    }

    private static int maxVersions(StoreServer store) {
        return versions(store).values().stream().mapToInt(Integer::intValue).max().orElse(0);
    }

    private static long dirBytes(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // a file RocksDB removed meanwhile
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
