package io.tinykv.bench.txn;

import io.tinykv.bench.driver.BenchException;
import io.tinykv.bench.driver.ClientGroup;
import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.LatencySummary;
import io.tinykv.bench.driver.LoadResult;
import io.tinykv.bench.workload.RecordKeys;
import io.tinykv.client.Clock;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed-loop runner of {@link TwoKeyReadWrite} transactions, the transactional sibling of
 * {@code BenchDriver}: {@code clients} threads each begin their next transaction when the previous
 * one has an outcome. A transaction counts when it <em>starts</em> after the warm-up; committed ones
 * are timed from begin to commit, conflicts and other aborts are counted, anything else is an error.
 * All time comes from the {@link Clock}.
 */
public final class TxnDriver {

    static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int SIGNIFICANT_DIGITS = 3;
    private static final int MAX_ERROR_SAMPLES = 5;
    /** Records written by one load transaction: few enough to stay far below any lock TTL. */
    static final int LOAD_BATCH_RECORDS = 100;

    private static final double NANOS_PER_SECOND = 1e9;

    private final Clock clock;
    private final PrintStream progress;

    /** @param progress where the once-per-interval progress line goes, or null for none */
    public TxnDriver(Clock clock, PrintStream progress) {
        this.clock = clock;
        this.progress = progress;
    }

    /**
     * Writes every record's transactional key, {@link #LOAD_BATCH_RECORDS} per transaction, in
     * disjoint batches (so no load transaction conflicts with another). The first failure is thrown.
     */
    public LoadResult load(TxnTarget target, DriverConfig config) throws InterruptedException {
        TwoKeyReadWrite op = operation(config);
        long batches = (config.recordCount() + LOAD_BATCH_RECORDS - 1) / LOAD_BATCH_RECORDS;
        AtomicLong nextBatch = new AtomicLong();
        LongAdder inserted = new LongAdder();
        AtomicReference<Exception> failure = new AtomicReference<>();
        SplittableRandom root = new SplittableRandom(config.seed() ^ 0x10adL);
        List<SplittableRandom> randoms = new ArrayList<>();
        for (int i = 0; i < config.clients(); i++) {
            randoms.add(root.split());
        }
        ClientGroup group = new ClientGroup(clock, config.threads().factory("txn-load-"), config.clients(), i -> {
            byte[] value = new byte[config.valueSizeBytes()];
            long batch;
            while (failure.get() == null && (batch = nextBatch.getAndIncrement()) < batches) {
                long from = batch * LOAD_BATCH_RECORDS;
                long to = Math.min(config.recordCount(), from + LOAD_BATCH_RECORDS);
                try (TxnSession txn = target.begin()) {
                    for (long index = from; index < to; index++) {
                        randoms.get(i).nextBytes(value);
                        txn.put(op.key(index), value);
                    }
                    txn.commit();
                    inserted.add(to - from);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    failure.compareAndSet(null, e);
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }
        });
        long start = clock.nanoTime();
        group.start();
        long tick = start + config.reportInterval().toNanos();
        while (!group.awaitUntil(tick)) {
            progress(String.format(
                    Locale.ROOT, "[%s load] %d/%d records", target.name(), inserted.sum(), config.recordCount()));
            tick += config.reportInterval().toNanos();
        }
        group.join();
        if (group.firstCrash() != null) {
            throw new BenchException(
                    "a load client of " + target.name() + " died: " + group.firstCrash(), group.firstCrash());
        }
        if (failure.get() != null) {
            throw new BenchException(
                    "loading " + target.name() + " failed after " + inserted.sum() + " of " + config.recordCount()
                            + " records: " + describe(failure.get()),
                    failure.get());
        }
        double seconds = (clock.nanoTime() - start) / NANOS_PER_SECOND;
        progress(String.format(Locale.ROOT, "[%s load] %d records in %.1fs", target.name(), inserted.sum(), seconds));
        return new LoadResult(inserted.sum(), seconds);
    }

    /** The measured phase (after the warm-up) over records that are already there. */
    public TxnRunResult run(TxnTarget target, DriverConfig config) throws InterruptedException {
        TwoKeyReadWrite op = operation(config);
        Recorder committedLatency = new Recorder(MAX_LATENCY_NANOS, SIGNIFICANT_DIGITS);
        Recorder warmupLatency = new Recorder(MAX_LATENCY_NANOS, SIGNIFICANT_DIGITS);
        LongAdder conflicts = new LongAdder();
        LongAdder aborted = new LongAdder();
        LongAdder errors = new LongAdder();
        List<String> errorSamples = new ArrayList<>();
        AtomicLong budget = new AtomicLong(config.measuresByCount() ? config.operationCount() : Long.MAX_VALUE);
        SplittableRandom root = new SplittableRandom(config.seed());
        List<SplittableRandom> randoms = new ArrayList<>();
        for (int i = 0; i < config.clients(); i++) {
            randoms.add(root.split());
        }
        long start = clock.nanoTime();
        long measureStart = start + config.warmup().toNanos();
        long end = config.measuresByCount()
                ? Long.MAX_VALUE
                : measureStart + config.duration().toNanos();

        ClientGroup group = new ClientGroup(clock, config.threads().factory("txn-client-"), config.clients(), i -> {
            SplittableRandom random = randoms.get(i);
            byte[] first = new byte[config.valueSizeBytes()];
            byte[] second = new byte[config.valueSizeBytes()];
            while (true) {
                long began = clock.nanoTime();
                if (began >= end) {
                    return;
                }
                boolean measuring = began >= measureStart;
                if (measuring && budget.getAndDecrement() <= 0) {
                    return;
                }
                try {
                    TxnOutcome outcome = op.execute(target, random, first, second);
                    long latency = Math.min(Math.max(clock.nanoTime() - began, 0), MAX_LATENCY_NANOS);
                    switch (outcome) {
                        case COMMITTED -> (measuring ? committedLatency : warmupLatency).recordValue(latency);
                        case CONFLICT -> count(measuring, conflicts);
                        case ABORTED -> count(measuring, aborted);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    count(measuring, errors);
                    String text = describe(e);
                    synchronized (errorSamples) {
                        if (errorSamples.size() < MAX_ERROR_SAMPLES && !errorSamples.contains(text)) {
                            errorSamples.add(text);
                        }
                    }
                }
            }
        });

        Histogram total = new Histogram(MAX_LATENCY_NANOS, SIGNIFICANT_DIGITS);
        long intervalNanos = config.reportInterval().toNanos();
        long tick = start + intervalNanos;
        long last = start;
        group.start();
        boolean done;
        do {
            done = group.awaitUntil(tick);
            if (done) {
                group.join();
            }
            long now = clock.nanoTime();
            Histogram interval = committedLatency.getIntervalHistogram();
            total.add(interval);
            Histogram shown = interval.copy();
            shown.add(warmupLatency.getIntervalHistogram());
            double seconds = (now - last) / NANOS_PER_SECOND;
            progress(String.format(
                    Locale.ROOT,
                    "[%s c=%d] %s %8.0f txn/s  p99 %8.3f ms  conflicts %d  aborts %d  errors %d",
                    target.name(),
                    config.clients(),
                    now < measureStart ? "warm-up" : "       ",
                    seconds > 0 ? shown.getTotalCount() / seconds : 0,
                    shown.getValueAtPercentile(99) / 1e6,
                    conflicts.sum(),
                    aborted.sum(),
                    errors.sum()));
            last = now;
            tick = now + intervalNanos;
        } while (!done);
        if (group.firstCrash() != null) {
            throw new BenchException(
                    "a transaction client against " + target.name() + " died: " + group.firstCrash(),
                    group.firstCrash());
        }
        double measuredSeconds = Math.max(0, last - measureStart) / NANOS_PER_SECOND;
        List<String> samples;
        synchronized (errorSamples) {
            samples = List.copyOf(errorSamples);
        }
        return new TxnRunResult(
                target.name(),
                config.clients(),
                measuredSeconds,
                total.getTotalCount(),
                conflicts.sum(),
                aborted.sum(),
                errors.sum(),
                LatencySummary.of(total),
                samples);
    }

    private static void count(boolean measuring, LongAdder counter) {
        if (measuring) {
            counter.increment();
        }
    }

    private static TwoKeyReadWrite operation(DriverConfig config) {
        return new TwoKeyReadWrite(
                config.distribution().chooser(config.recordCount(), config.zipfianTheta()),
                RecordKeys.forRecords(config.keySizeBytes(), config.recordCount()),
                config.recordCount());
    }

    private void progress(String line) {
        if (progress != null) {
            progress.println(line);
            progress.flush();
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
