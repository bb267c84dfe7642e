package io.tinykv.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.scheduler.GcConfig;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.scheduler.SchedulerConfig;
import io.tinykv.scheduler.SchedulerServer;
import io.tinykv.server.gc.StoreGcConfig;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The note's measurement, not part of the default suite: two three-store clusters side by side in
 * one JVM (same machine, same load), each overwritten on 50 keys with 1 KiB values for
 * {@code -Dgc.measure.minutes=N} minutes (default 10): one with GC (gc-life-time 30 s), one
 * without (a life time of a year). Every 30 s it samples the kv data directories' bytes and the
 * versions per key, and prints both side by side.
 *
 * <p>Correctness along the way, in both clusters: each writer owns its keys, so after each commit
 * it reads the key in a new transaction and must see its own value; a snapshot opened at one
 * sample is read again at the next half-sample, after GC passes ran, and must read the same. At
 * the end a read below the GC safe point is refused with "GC safe point".
 *
 * <p>Run with {@code mvn -B -ntp -o -pl server -am verify -Dtest=GcOverwriteMeasurement
 * -Dgc.measure.minutes=10 -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dgc.measure.modes=on}
 * or {@code off} for one of the two).
 */
@EnabledIfSystemProperty(named = "gc.measure.minutes", matches = "\\d+(\\.\\d+)?")
class GcOverwriteMeasurement {

    private static final int STORES = 3;
    private static final int KEYS = 50;
    private static final int THREADS = 4;
    private static final int VALUE_BYTES = 1024;
    private static final Duration LIFE_TIME_ON = Duration.ofSeconds(30);
    private static final Duration LIFE_TIME_OFF = Duration.ofDays(365);
    private static final Duration ADVANCE_INTERVAL = Duration.ofSeconds(1);
    private static final StoreGcConfig STORE_GC = StoreGcConfig.defaults().withRunIntervalMillis(5_000);
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final double MIB = 1024.0 * 1024.0;

    @TempDir
    Path dir;

    /** One sample of one cluster. */
    record Sample(
            long elapsedSeconds,
            long commits,
            long kvBytesAllStores,
            long kvBytesMaxStore,
            int maxVersionsPerKey,
            double meanVersionsPerKey) {}

    /** What one cluster's run found. */
    record Run(
            String name,
            List<Sample> samples,
            long ownReads,
            long snapshotRereads,
            String refusedBelow,
            List<String> wrongReads) {}

    @Test
    void versionsAndDiskWithAndWithoutGc() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("gc.measure.minutes", "10"));
        List<String> modes =
                List.of(System.getProperty("gc.measure.modes", "on,off").split(","));
        Duration run = Duration.ofMillis((long) (minutes * 60_000));
        ExecutorService runs = Executors.newFixedThreadPool(modes.size());
        List<Future<Run>> futures = new ArrayList<>();
        for (String mode : modes) {
            boolean gc = mode.equals("on");
            futures.add(runs.submit(() ->
                    measure("gc-" + mode, new GcConfig(gc ? LIFE_TIME_ON : LIFE_TIME_OFF, ADVANCE_INTERVAL), run)));
        }
        List<Run> results = new ArrayList<>();
        try {
            for (Future<Run> f : futures) {
                results.add(f.get());
            }
        } finally {
            runs.shutdownNow();
        }
        System.out.println(table(minutes, results));
        for (Run r : results) {
            assertThat(r.wrongReads())
                    .as("%s: wrong reads (own last commit not seen, snapshot changed)", r.name())
                    .isEmpty();
            assertThat(r.ownReads()).as("%s: own-value reads checked", r.name()).isPositive();
            assertThat(r.snapshotRereads())
                    .as("%s: snapshot re-reads checked", r.name())
                    .isPositive();
        }
        results.stream()
                .filter(r -> r.name().equals("gc-on"))
                .forEach(r -> assertThat(r.refusedBelow())
                        .as("a read below the safe point")
                        .contains("GC safe point"));
    }

    private Run measure(String name, GcConfig gc, Duration run) throws Exception {
        Path base = dir.resolve(name);
        List<StoreServer> stores = new ArrayList<>();
        try (SchedulerServer scheduler = SchedulerServer.start(
                SchedulerConfig.defaults(base.resolve("scheduler"))
                        .withListenAddress(new HostAndPort("127.0.0.1", 0))
                        .withGc(gc),
                System::currentTimeMillis,
                new SecureRandom(),
                new PrometheusRegistry())) {
            try {
                for (int i = 1; i <= STORES; i++) {
                    stores.add(StoreServer.start(TestConfigs.store(scheduler.address(), base.resolve("store" + i))
                            .withGc(STORE_GC)));
                }
                ClientConfig config = ClientConfig.of(List.of(scheduler.address()));
                GcProbes.awaitVoterOnEveryStore(
                        config, STORES, WAIT, name + ": the region has a replica on every store");
                try (TxnKvClient client = TxnKvClient.create(config)) {
                    return overwrite(name, client, stores, run, config);
                }
            } finally {
                stores.forEach(StoreServer::close);
            }
        }
    }

    private Run overwrite(String name, TxnKvClient client, List<StoreServer> stores, Duration run, ClientConfig config)
            throws Exception {
        AtomicLong commits = new AtomicLong();
        AtomicLong ownReads = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        long startOfWorkload = System.currentTimeMillis() << 18;
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            writers.add(Thread.ofPlatform()
                    .name(name + "-writer-" + t)
                    .start(() -> writeOwnKeys(client, thread, stop, commits, ownReads, failures)));
        }
        List<Sample> samples = new ArrayList<>();
        long startNanos = System.nanoTime();
        long halfSampleNanos = SAMPLE_EVERY.toNanos() / 2;
        long snapshotRereads = 0;
        Transaction held = null;
        Optional<Map<ByteString, Optional<ByteString>>> heldRead = Optional.empty();
        try {
            for (long tick = 1; System.nanoTime() - startNanos < run.toNanos(); tick++) {
                long due = startNanos + tick * halfSampleNanos;
                Await.until(() -> System.nanoTime() >= due, SAMPLE_EVERY.multipliedBy(2), "the next sample's time");
                // The snapshot of the previous half-sample reads the same after GC passes ran.
                if (held != null) {
                    Optional<Map<ByteString, Optional<ByteString>>> again = readAll(held);
                    if (heldRead.isPresent() && again.isPresent()) {
                        if (!again.get().equals(heldRead.get())) {
                            failures.add("the snapshot at " + held.startTs() + " read differently the second time");
                        }
                        snapshotRereads++;
                    }
                    held.close();
                }
                held = client.begin();
                heldRead = readAll(held);
                if (tick % 2 == 0) {
                    Sample s = sample(stores, (System.nanoTime() - startNanos) / 1_000_000_000L, commits.get());
                    samples.add(s);
                    System.out.printf(
                            "%s t=%ds commits=%d kv=%.1f MiB (max store %.1f) versions/key max=%d mean=%.1f%n",
                            name,
                            s.elapsedSeconds(),
                            s.commits(),
                            s.kvBytesAllStores() / MIB,
                            s.kvBytesMaxStore() / MIB,
                            s.maxVersionsPerKey(),
                            s.meanVersionsPerKey());
                }
            }
        } finally {
            stop.set(true);
            for (Thread w : writers) {
                w.join();
            }
            if (held != null) {
                held.close();
            }
        }
        samples.add(sample(stores, (System.nanoTime() - startNanos) / 1_000_000_000L, commits.get()));
        String refused = refusedBelow(config, startOfWorkload);
        return new Run(name, samples, ownReads.get(), snapshotRereads, refused, List.copyOf(failures));
    }

    /** Overwrites keys {@code k ≡ thread (mod THREADS)}, checking after each commit that a new snapshot reads it. */
    private static void writeOwnKeys(
            TxnKvClient client,
            int thread,
            AtomicBoolean stop,
            AtomicLong commits,
            AtomicLong ownReads,
            List<String> failures) {
        long seq = 0;
        int k = thread;
        // The keys k ≡ thread (mod THREADS) below KEYS, in turn: no other writer touches them.
        Map<ByteString, Long> lastCommitted = new HashMap<>();
        Map<ByteString, String> lastAbort = new HashMap<>();
        while (!stop.get()) {
            ByteString key = key(k);
            long written = ++seq;
            try (Transaction txn = client.begin()) {
                txn.put(key, value(thread, written));
                txn.commit();
                commits.incrementAndGet();
                lastCommitted.put(key, written);
                lastAbort.remove(key);
            } catch (TxnAbortedException e) {
                // a definite abort: the value before stays the newest
                lastAbort.put(key, written + ": " + e);
            } catch (TinyKvException e) {
                lastCommitted.remove(key); // the outcome is not known: either value may be the newest now
            }
            Long expected = lastCommitted.get(key);
            if (expected != null) {
                try (Transaction read = client.begin()) {
                    Optional<ByteString> got = read.get(key);
                    long seen = got.map(v -> v.asReadOnlyByteBuffer().getLong(Integer.BYTES))
                            .orElse(-1L);
                    if (seen != expected) {
                        failures.add(key.toStringUtf8() + " read " + seen + " at " + read.startTs()
                                + " after committing " + expected + "; the attempt after it was aborted: "
                                + lastAbort.get(key));
                    }
                    ownReads.incrementAndGet();
                } catch (TinyKvException e) {
                    // the read itself failed (a slow moment); nothing was checked
                }
            }
            k = k + THREADS < KEYS ? k + THREADS : thread;
        }
    }

    /** Every key as of the snapshot; empty when a read failed (a slow moment: nothing is checked). */
    private static Optional<Map<ByteString, Optional<ByteString>>> readAll(Transaction snapshot) {
        Map<ByteString, Optional<ByteString>> out = new HashMap<>();
        try {
            for (int k = 0; k < KEYS; k++) {
                out.put(key(k), snapshot.get(key(k)));
            }
        } catch (TinyKvException e) {
            return Optional.empty();
        }
        return Optional.of(out);
    }

    private static ByteString key(int k) {
        return ByteString.copyFromUtf8(String.format("gc/key-%03d", k));
    }

    /** The writer, its sequence number, and filler to {@link #VALUE_BYTES} that does not compress away. */
    private static ByteString value(int thread, long seq) {
        ByteBuffer b = ByteBuffer.allocate(VALUE_BYTES);
        b.putInt(thread).putLong(seq);
        long x = seq * 0x9E3779B97F4A7C15L + thread + 1;
        while (b.remaining() >= Long.BYTES) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.putLong(x);
        }
        return ByteString.copyFrom(b.array());
    }

    private static Sample sample(List<StoreServer> stores, long elapsedSeconds, long commits) {
        long total = 0;
        long max = 0;
        for (StoreServer s : stores) {
            long bytes = dirBytes(s.engines().kv().path());
            total += bytes;
            max = Math.max(max, bytes);
        }
        Map<ByteString, Integer> versions = GcProbes.versionsPerKey(stores.get(0));
        int maxVersions =
                versions.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        double mean =
                versions.values().stream().mapToInt(Integer::intValue).average().orElse(0);
        return new Sample(elapsedSeconds, commits, total, max, maxVersions, mean);
    }

    /** KvGet below the safe point (a ts from before the workload) straight to the key's leader. */
    private static String refusedBelow(ClientConfig config, long version) {
        Kvrpcpb.GetResponse response = GcProbes.getAtLeader(config, key(0), version, WAIT);
        return response.hasError()
                ? response.getError().getAbort()
                : "answered: " + response.getValue().size() + " bytes";
    }

    private static String table(double minutes, List<Run> runs) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                "GC MEASUREMENT: %.1f min of overwrites, %d stores, %d keys x %d B values, %d writer"
                        + " threads, gc-life-time %ds (on) vs %d days (off), store gc run-interval %d ms,"
                        + " region-compact-min-tombstones %d%n",
                minutes,
                STORES,
                KEYS,
                VALUE_BYTES,
                THREADS,
                LIFE_TIME_ON.toSeconds(),
                LIFE_TIME_OFF.toDays(),
                STORE_GC.runIntervalMillis(),
                STORE_GC.compactMinTombstones()));
        out.append(String.format("%6s", "t(s)"));
        for (Run r : runs) {
            out.append(String.format(
                    " | %-8s %8s %10s %10s %6s %7s", r.name(), "commits", "kv MiB(3)", "kv MiB max", "v/key", "mean"));
        }
        out.append('\n');
        int rows = runs.stream().mapToInt(r -> r.samples().size()).max().orElse(0);
        for (int i = 0; i < rows; i++) {
            int row = i;
            Sample first = runs.get(0)
                    .samples()
                    .get(Math.min(row, runs.get(0).samples().size() - 1));
            out.append(String.format("%6d", first.elapsedSeconds()));
            for (Run r : runs) {
                if (row >= r.samples().size()) {
                    out.append(" | (no sample)");
                    continue;
                }
                Sample s = r.samples().get(row);
                out.append(String.format(
                        " | %-8s %8d %10.1f %10.1f %6d %7.1f",
                        "",
                        s.commits(),
                        s.kvBytesAllStores() / MIB,
                        s.kvBytesMaxStore() / MIB,
                        s.maxVersionsPerKey(),
                        s.meanVersionsPerKey()));
            }
            out.append('\n');
        }
        for (Run r : runs) {
            out.append(String.format(
                    "%s: %d own-value reads checked (%d wrong: %s), %d snapshot re-reads checked,"
                            + " read below the safe point: %s%n",
                    r.name(),
                    r.ownReads(),
                    r.wrongReads().size(),
                    r.wrongReads().stream().limit(3).toList(),
                    r.snapshotRereads(),
                    r.refusedBelow()));
        }
        return out.toString();
    }

    private static long dirBytes(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> {
                        try {
                            return Files.size(p);
                        } catch (IOException e) {
                            return 0; // a file RocksDB removed meanwhile
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return -1; // the walk met a file being removed; the next sample tries again
        }
    }
}
