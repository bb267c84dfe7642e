package io.tinykv.bench.driver;

import io.tinykv.bench.target.BenchTarget;
import io.tinykv.bench.workload.KeyChooser;
import io.tinykv.bench.workload.Operation;
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
 * Runs a closed-loop benchmark: {@code clients} threads each issue their next operation as soon as
 * the previous one completes. A coordinator (the calling thread) wakes once per report interval,
 * harvests the interval's latency histograms into the time series and prints a progress line.
 *
 * <p>Each operation is classified by when it <em>started</em>: operations started during the
 * warm-up go to a histogram that is thrown away, the rest count. All time comes from the
 * {@link Clock}, so tests drive a whole run on virtual time.
 */
public final class BenchDriver {

    /** Latencies above this are recorded as this (the histogram's range). */
    static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final int SIGNIFICANT_DIGITS = 3;
    private static final int MAX_ERROR_SAMPLES = 5;
    /** A closing interval shorter than this fraction of the report interval is too noisy to plot. */
    private static final double MIN_PLOTTED_INTERVAL_FRACTION = 0.5;

    private static final double NANOS_PER_SECOND = 1e9;

    private final Clock clock;
    private final PrintStream progress;

    /**
     * @param clock the source of time and waiting
     * @param progress where the once-per-interval progress line goes (stderr), or null for none
     */
    public BenchDriver(Clock clock, PrintStream progress) {
        this.clock = clock;
        this.progress = progress;
    }

    /** Loads the records when the configuration asks for it, then runs the measured phase. */
    public RunResult loadAndRun(BenchTarget target, DriverConfig config) throws InterruptedException {
        LoadResult load = config.load() ? load(target, config) : LoadResult.SKIPPED;
        return run(target, config, load);
    }

    /**
     * Inserts every record, {@code clients} at a time. The first failed insert stops the load and
     * is thrown: measuring over a partly loaded data set would not mean anything.
     */
    public LoadResult load(BenchTarget target, DriverConfig config) throws InterruptedException {
        RecordKeys keys = RecordKeys.forRecords(config.keySizeBytes(), config.recordCount());
        List<SplittableRandom> randoms = clientRandoms(config.seed() ^ 0x10adL, config.clients());
        AtomicLong nextIndex = new AtomicLong();
        LongAdder inserted = new LongAdder();
        AtomicReference<Exception> failure = new AtomicReference<>();
        ClientGroup group = new ClientGroup(clock, config.threads().factory("bench-load-"), config.clients(), i -> {
            SplittableRandom random = randoms.get(i);
            byte[] value = new byte[config.valueSizeBytes()];
            long index;
            while (failure.get() == null && (index = nextIndex.getAndIncrement()) < config.recordCount()) {
                random.nextBytes(value);
                try {
                    target.put(keys.key(index), value);
                    inserted.increment();
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
        try {
            while (!group.awaitUntil(tick)) {
                double seconds = (clock.nanoTime() - start) / NANOS_PER_SECOND;
                progress(String.format(
                        Locale.ROOT,
                        "[%s load] %.0fs  %d/%d records  %.0f rec/s",
                        target.name(),
                        seconds,
                        inserted.sum(),
                        config.recordCount(),
                        inserted.sum() / seconds));
                tick += config.reportInterval().toNanos();
            }
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e);
            group.join();
            throw e;
        }
        group.join();
        rethrowCrash(group, target);
        Exception failed = failure.get();
        if (failed != null) {
            throw new BenchException(
                    "loading " + target.name() + " failed after " + inserted.sum() + " of " + config.recordCount()
                            + " records: " + describe(failed),
                    failed);
        }
        double seconds = (clock.nanoTime() - start) / NANOS_PER_SECOND;
        progress(String.format(Locale.ROOT, "[%s load] %d records in %.1fs", target.name(), inserted.sum(), seconds));
        return new LoadResult(inserted.sum(), seconds);
    }

    /** The measured phase (after an optional warm-up) against records that are already there. */
    public RunResult run(BenchTarget target, DriverConfig config, LoadResult load) throws InterruptedException {
        Measurement m = new Measurement(target, config);
        return m.execute(load);
    }

    /** The shared state of one measured phase. */
    private final class Measurement {
        private final BenchTarget target;
        private final DriverConfig config;
        private final KeyChooser chooser;
        private final RecordKeys keys;
        private final Recorder warmupLatency = newRecorder();
        private final Recorder readLatency = newRecorder();
        private final Recorder updateLatency = newRecorder();
        private final LongAdder intervalErrors = new LongAdder();
        private final LongAdder readsNotFound = new LongAdder();
        private final AtomicLong budget;
        private final List<String> errorSamples = new ArrayList<>();
        private final List<SplittableRandom> randoms;
        private volatile boolean stopped;
        private long measureStartNanos;
        private long endNanos;

        Measurement(BenchTarget target, DriverConfig config) {
            this.target = target;
            this.config = config;
            this.chooser = config.distribution().chooser(config.recordCount(), config.zipfianTheta());
            this.keys = RecordKeys.forRecords(config.keySizeBytes(), config.recordCount());
            this.budget = new AtomicLong(config.measuresByCount() ? config.operationCount() : Long.MAX_VALUE);
            this.randoms = clientRandoms(config.seed(), config.clients());
        }

        RunResult execute(LoadResult load) throws InterruptedException {
            long intervalNanos = config.reportInterval().toNanos();
            long start = clock.nanoTime();
            measureStartNanos = start + config.warmup().toNanos();
            endNanos = config.measuresByCount()
                    ? Long.MAX_VALUE
                    : measureStartNanos + config.duration().toNanos();
            ClientGroup group = new ClientGroup(
                    clock, config.threads().factory("bench-client-"), config.clients(), this::runClient);

            Histogram totalReads = newHistogram();
            Histogram totalUpdates = newHistogram();
            List<IntervalStats> series = new ArrayList<>();
            long totalErrors = 0;
            long lastHarvest = start;
            long tick = measureStartNanos > start
                    ? Math.min(start + intervalNanos, measureStartNanos)
                    : start + intervalNanos;

            group.start();
            boolean done;
            try {
                do {
                    long before = clock.nanoTime();
                    // After the end the clients only finish their last operations; keep ticking
                    // (so a hung request still shows progress lines) until they all have.
                    long scheduled = before >= endNanos ? before + intervalNanos : Math.min(tick, endNanos);
                    done = group.awaitUntil(scheduled);
                    if (done) {
                        group.join(); // the last operations are recorded before the final harvest
                    }
                    long now = clock.nanoTime();
                    Histogram warm = warmupLatency.getIntervalHistogram();
                    Histogram reads = readLatency.getIntervalHistogram();
                    Histogram updates = updateLatency.getIntervalHistogram();
                    long errors = intervalErrors.sumThenReset();
                    totalReads.add(reads);
                    totalUpdates.add(updates);
                    totalErrors += errors;
                    // The harvest scheduled for the end of the warm-up closes the warm-up, even if it
                    // runs a little late; measured operations it catches still count in the totals.
                    boolean warmupHarvest = scheduled <= measureStartNanos && measureStartNanos > start && !done;
                    boolean afterEnd = lastHarvest >= endNanos;
                    if (afterEnd) {
                        // Operations that started before the end and finished after it count in the
                        // totals; they are too few to plot as an interval of their own.
                        lastHarvest = now;
                        continue;
                    }
                    if (!warmupHarvest) {
                        long from = Math.max(lastHarvest, measureStartNanos);
                        Histogram both = reads.copy();
                        both.add(updates);
                        IntervalStats point = intervalStats(both, errors, from, now);
                        boolean tooShort = point.lengthSeconds() * NANOS_PER_SECOND
                                < intervalNanos * MIN_PLOTTED_INTERVAL_FRACTION;
                        if (!(done && tooShort && !series.isEmpty())) {
                            series.add(point);
                            progress(String.format(
                                    Locale.ROOT,
                                    "[%s %s c=%d] %5.1fs  %9.0f ops/s  p99 %8.3f ms  errors %d",
                                    target.name(),
                                    config.workload().name(),
                                    config.clients(),
                                    point.endSeconds(),
                                    point.opsPerSecond(),
                                    point.p99Micros() / 1000,
                                    errors));
                        }
                    } else {
                        double seconds = (now - lastHarvest) / NANOS_PER_SECOND;
                        progress(String.format(
                                Locale.ROOT,
                                "[%s %s c=%d] warm-up  %9.0f ops/s  p99 %8.3f ms",
                                target.name(),
                                config.workload().name(),
                                config.clients(),
                                seconds > 0 ? warm.getTotalCount() / seconds : 0,
                                warm.getValueAtPercentile(99) / 1e6));
                    }
                    lastHarvest = now;
                    tick = tick < measureStartNanos
                            ? Math.min(tick + intervalNanos, measureStartNanos)
                            : tick + intervalNanos;
                } while (!done);
            } catch (InterruptedException e) {
                stopped = true;
                group.join();
                throw e;
            }
            rethrowCrash(group, target);

            double measuredSeconds = Math.max(0, lastHarvest - measureStartNanos) / NANOS_PER_SECOND;
            Histogram all = totalReads.copy();
            all.add(totalUpdates);
            List<String> samples;
            synchronized (errorSamples) {
                samples = List.copyOf(errorSamples);
            }
            return new RunResult(
                    target.name(),
                    config,
                    load,
                    measuredSeconds,
                    all.getTotalCount(),
                    totalErrors,
                    readsNotFound.sum(),
                    LatencySummary.of(all),
                    LatencySummary.of(totalReads),
                    LatencySummary.of(totalUpdates),
                    series,
                    samples);
        }

        private void runClient(int clientIndex) {
            SplittableRandom random = randoms.get(clientIndex);
            byte[] value = new byte[config.valueSizeBytes()];
            while (!stopped) {
                long startNanos = clock.nanoTime();
                if (startNanos >= endNanos) {
                    return;
                }
                boolean measuring = startNanos >= measureStartNanos;
                if (measuring && budget.getAndDecrement() <= 0) {
                    return;
                }
                Operation op = config.workload().nextOperation(random);
                byte[] key = keys.key(chooser.nextIndex(random));
                try {
                    if (op == Operation.READ) {
                        byte[] found = target.get(key);
                        if (found == null && measuring) {
                            readsNotFound.increment();
                        }
                    } else {
                        random.nextBytes(value);
                        target.put(key, value);
                    }
                    long latency = Math.min(Math.max(clock.nanoTime() - startNanos, 0), MAX_LATENCY_NANOS);
                    Recorder recorder = !measuring ? warmupLatency : op == Operation.READ ? readLatency : updateLatency;
                    recorder.recordValue(latency);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    if (measuring) {
                        intervalErrors.increment();
                    }
                    sampleError(e);
                }
            }
        }

        private void sampleError(Exception e) {
            String text = describe(e);
            synchronized (errorSamples) {
                if (errorSamples.size() < MAX_ERROR_SAMPLES && !errorSamples.contains(text)) {
                    errorSamples.add(text);
                }
            }
        }

        private IntervalStats intervalStats(Histogram both, long errors, long fromNanos, long toNanos) {
            double length = (toNanos - fromNanos) / NANOS_PER_SECOND;
            long ops = both.getTotalCount();
            return new IntervalStats(
                    (toNanos - measureStartNanos) / NANOS_PER_SECOND,
                    length,
                    ops,
                    errors,
                    length > 0 ? ops / length : 0,
                    ops > 0 ? both.getValueAtPercentile(50) / 1e3 : 0,
                    ops > 0 ? both.getValueAtPercentile(99) / 1e3 : 0,
                    ops > 0 ? both.getMaxValue() / 1e3 : 0);
        }
    }

    private void progress(String line) {
        if (progress != null) {
            progress.println(line);
            progress.flush();
        }
    }

    /** One random source per client, split in order from one seed so a run is reproducible. */
    private static List<SplittableRandom> clientRandoms(long seed, int clients) {
        SplittableRandom root = new SplittableRandom(seed);
        List<SplittableRandom> randoms = new ArrayList<>(clients);
        for (int i = 0; i < clients; i++) {
            randoms.add(root.split());
        }
        return randoms;
    }

    private static void rethrowCrash(ClientGroup group, BenchTarget target) {
        Throwable crash = group.firstCrash();
        if (crash != null) {
            throw new BenchException("a benchmark client against " + target.name() + " died: " + crash, crash);
        }
    }

    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static Recorder newRecorder() {
        return new Recorder(MAX_LATENCY_NANOS, SIGNIFICANT_DIGITS);
    }

    private static Histogram newHistogram() {
        return new Histogram(MAX_LATENCY_NANOS, SIGNIFICANT_DIGITS);
    }
}
