package io.tinykv.bench;

import io.tinykv.bench.driver.DriverConfig;
import io.tinykv.bench.driver.ThreadKind;
import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.Workload;
import io.tinykv.bench.workload.ZipfianGenerator;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The options every benchmark subcommand shares: data set shape, run length, randomness. */
public final class DriverOptions {

    @Option(
            names = "--records",
            description = "records the load phase inserts and operations draw from (default: ${DEFAULT-VALUE})")
    long recordCount = DriverConfig.DEFAULT_RECORD_COUNT;

    @Option(names = "--key-size", description = "key size in bytes (default: ${DEFAULT-VALUE})")
    int keySizeBytes = DriverConfig.DEFAULT_KEY_SIZE_BYTES;

    @Option(names = "--value-size", description = "value size in bytes (default: ${DEFAULT-VALUE})")
    int valueSizeBytes = DriverConfig.DEFAULT_VALUE_SIZE_BYTES;

    @Option(names = "--distribution", description = "uniform or zipfian (default: ${DEFAULT-VALUE})")
    String distribution = "zipfian";

    @Option(names = "--zipfian-theta", description = "zipfian skew, positive (default: ${DEFAULT-VALUE})")
    double zipfianTheta = ZipfianGenerator.YCSB_THETA;

    @Option(
            names = "--duration",
            converter = DurationConverter.class,
            description = "measured time per run, e.g. 30s (default: ${DEFAULT-VALUE})")
    Duration duration = Duration.ofSeconds(30);

    @Option(names = "--operations", description = "measure this many operations instead of a duration")
    long operationCount;

    @Option(
            names = "--warmup",
            converter = DurationConverter.class,
            description = "run this long before measuring, e.g. 5s (default: ${DEFAULT-VALUE})")
    Duration warmup = Duration.ofSeconds(5);

    @Option(names = "--no-load", negatable = false, description = "skip the load phase (records are already there)")
    boolean noLoad;

    @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--threads", description = "platform or virtual client threads (default: ${DEFAULT-VALUE})")
    String threads = "platform";

    @Option(
            names = "--report-interval",
            converter = DurationConverter.class,
            description = "time-series interval and progress period (default: ${DEFAULT-VALUE})")
    Duration reportInterval = DriverConfig.DEFAULT_REPORT_INTERVAL;

    /** The driver configuration for one workload at one concurrency. */
    public DriverConfig toConfig(Workload workload, int clients) {
        return DriverConfig.builder()
                .workload(workload)
                .distribution(KeyDistribution.named(distribution))
                .zipfianTheta(zipfianTheta)
                .recordCount(recordCount)
                .keySizeBytes(keySizeBytes)
                .valueSizeBytes(valueSizeBytes)
                .clients(clients)
                .duration(duration)
                .operationCount(operationCount)
                .warmup(warmup)
                .load(!noLoad)
                .seed(seed)
                .reportInterval(reportInterval)
                .threads(ThreadKind.named(threads))
                .build();
    }
}
