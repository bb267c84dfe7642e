package io.tinykv.bench.driver;

import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.RecordKeys;
import io.tinykv.bench.workload.Workload;
import java.time.Duration;

/**
 * One benchmark run's shape.
 *
 * @param workload the operation mix
 * @param distribution how operations pick records
 * @param zipfianTheta the skew when {@code distribution} is zipfian
 * @param recordCount how many records the load phase inserts and operations draw from
 * @param keySizeBytes the size of every key
 * @param valueSizeBytes the size of every value written
 * @param clients how many closed-loop clients run at once
 * @param duration how long to measure, after the warm-up; ignored when {@code operationCount > 0}
 * @param operationCount how many operations to measure; 0 measures for {@code duration} instead
 * @param warmup how long to run before measuring; its operations are left out of every statistic
 * @param load whether to insert the records first
 * @param seed the seed every client's random source derives from
 * @param reportInterval the length of one time-series interval and of the progress-line period
 * @param threads what the clients run on
 */
public record DriverConfig(
        Workload workload,
        KeyDistribution distribution,
        double zipfianTheta,
        long recordCount,
        int keySizeBytes,
        int valueSizeBytes,
        int clients,
        Duration duration,
        long operationCount,
        Duration warmup,
        boolean load,
        long seed,
        Duration reportInterval,
        ThreadKind threads) {

    public static final int DEFAULT_KEY_SIZE_BYTES = 16;
    public static final int DEFAULT_VALUE_SIZE_BYTES = 256;
    public static final long DEFAULT_RECORD_COUNT = 10_000;
    public static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(1);

    public DriverConfig {
        if (workload == null
                || distribution == null
                || duration == null
                || warmup == null
                || reportInterval == null
                || threads == null) {
            throw new IllegalArgumentException("driver configuration has a missing field");
        }
        if (recordCount < 1) {
            throw new IllegalArgumentException("record count must be positive, got " + recordCount);
        }
        if (valueSizeBytes < 0) {
            throw new IllegalArgumentException("value size must not be negative, got " + valueSizeBytes);
        }
        if (clients < 1) {
            throw new IllegalArgumentException("client count must be positive, got " + clients);
        }
        if (operationCount < 0) {
            throw new IllegalArgumentException("operation count must not be negative, got " + operationCount);
        }
        if (operationCount == 0 && (duration.isNegative() || duration.isZero())) {
            throw new IllegalArgumentException("give a positive duration or an operation count");
        }
        if (warmup.isNegative()) {
            throw new IllegalArgumentException("warm-up must not be negative, got " + warmup);
        }
        if (reportInterval.isNegative() || reportInterval.isZero()) {
            throw new IllegalArgumentException("report interval must be positive, got " + reportInterval);
        }
        // Fails early, with the sizes in the message, when the keys cannot hold every record index.
        RecordKeys.forRecords(keySizeBytes, recordCount);
        distribution.chooser(Math.min(recordCount, 2), zipfianTheta);
    }

    /** A configuration with the defaults for everything but the workload, clients and duration. */
    public static DriverConfig defaults(Workload workload, int clients, Duration duration) {
        return builder().workload(workload).clients(clients).duration(duration).build();
    }

    /**
     * A builder holding the defaults ({@link #defaults}); the workload, the clients and the duration
     * (or an operation count) have none. {@link Builder#build} checks the whole as the constructor does.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration, to change some of it. */
    public Builder toBuilder() {
        return new Builder()
                .workload(workload)
                .distribution(distribution)
                .zipfianTheta(zipfianTheta)
                .recordCount(recordCount)
                .keySizeBytes(keySizeBytes)
                .valueSizeBytes(valueSizeBytes)
                .clients(clients)
                .duration(duration)
                .operationCount(operationCount)
                .warmup(warmup)
                .load(load)
                .seed(seed)
                .reportInterval(reportInterval)
                .threads(threads);
    }

    public DriverConfig withWorkload(Workload w) {
        return toBuilder().workload(w).build();
    }

    public DriverConfig withClients(int c) {
        return toBuilder().clients(c).build();
    }

    public DriverConfig withLoad(boolean l) {
        return toBuilder().load(l).build();
    }

    /** This configuration run for {@code d} with no warm-up (and no operation count). */
    public DriverConfig runningFor(Duration d) {
        return toBuilder().duration(d).operationCount(0).warmup(Duration.ZERO).build();
    }

    public boolean measuresByCount() {
        return operationCount > 0;
    }

    /** Builds a {@link DriverConfig} field by field; see the record's components for each one's meaning. */
    public static final class Builder {
        private Workload workload;
        private KeyDistribution distribution = KeyDistribution.ZIPFIAN;
        private double zipfianTheta = 0.99;
        private long recordCount = DEFAULT_RECORD_COUNT;
        private int keySizeBytes = DEFAULT_KEY_SIZE_BYTES;
        private int valueSizeBytes = DEFAULT_VALUE_SIZE_BYTES;
        private int clients;
        private Duration duration;
        private long operationCount;
        private Duration warmup = Duration.ZERO;
        private boolean load = true;
        private long seed = 1L;
        private Duration reportInterval = DEFAULT_REPORT_INTERVAL;
        private ThreadKind threads = ThreadKind.PLATFORM;

        private Builder() {}

        public Builder workload(Workload workload) {
            this.workload = workload;
            return this;
        }

        public Builder distribution(KeyDistribution distribution) {
            this.distribution = distribution;
            return this;
        }

        public Builder zipfianTheta(double zipfianTheta) {
            this.zipfianTheta = zipfianTheta;
            return this;
        }

        public Builder recordCount(long recordCount) {
            this.recordCount = recordCount;
            return this;
        }

        public Builder keySizeBytes(int keySizeBytes) {
            this.keySizeBytes = keySizeBytes;
            return this;
        }

        public Builder valueSizeBytes(int valueSizeBytes) {
            this.valueSizeBytes = valueSizeBytes;
            return this;
        }

        public Builder clients(int clients) {
            this.clients = clients;
            return this;
        }

        public Builder duration(Duration duration) {
            this.duration = duration;
            return this;
        }

        public Builder operationCount(long operationCount) {
            this.operationCount = operationCount;
            return this;
        }

        public Builder warmup(Duration warmup) {
            this.warmup = warmup;
            return this;
        }

        public Builder load(boolean load) {
            this.load = load;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder reportInterval(Duration reportInterval) {
            this.reportInterval = reportInterval;
            return this;
        }

        public Builder threads(ThreadKind threads) {
            this.threads = threads;
            return this;
        }

        /** The configuration; throws {@link IllegalArgumentException} as the constructor does. */
        public DriverConfig build() {
            return new DriverConfig(
                    workload,
                    distribution,
                    zipfianTheta,
                    recordCount,
                    keySizeBytes,
                    valueSizeBytes,
                    clients,
                    duration,
                    operationCount,
                    warmup,
                    load,
                    seed,
                    reportInterval,
                    threads);
        }
    }
}
