package io.tinykv.storage.bench;

import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one put into the kv engine the way a Raft round applies writes: {@link #BATCH_PUTS}
 * puts of {@link #VALUE_BYTES}-byte values at random keys in one unsynced write batch, against the
 * memtable size ({@code writeBufferMiB}: the old default 64 against the 2-core default 16). The
 * keys are drawn from {@code keys} distinct ones, so the memtable fills with versions of few keys
 * (a bench run over 1,000 or 10,000 records) or with distinct keys (a million). Warm-up fills the
 * memtable first: an insertion costs most in a full one.
 *
 * <pre>
 * mvn -B -pl storage -am -Pjmh -DskipTests verify [-Djmh.args="-wi 2 -i 3"]
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class MemtableInsertBenchmark {
    static final int BATCH_PUTS = 10;
    static final int VALUE_BYTES = 256;
    static final int KEY_BYTES = 16;
    private static final byte[] KEY_PREFIX = "zuser".getBytes(StandardCharsets.US_ASCII);
    private static final long MIB = 1024L * 1024L;

    @Param({"64", "16"})
    public int writeBufferMiB;

    @Param({"10000", "1000000"})
    public int keys;

    private Path dir;
    private Engines engines;
    private byte[] value;
    private SplittableRandom random;

    @Setup(Level.Trial)
    public void open() throws IOException {
        dir = Files.createTempDirectory("memtable-bench");
        engines = Engines.open(dir, EngineConfig.defaults().withWriteBufferSizeBytes(writeBufferMiB * MIB));
        random = new SplittableRandom(1);
        value = new byte[VALUE_BYTES];
        random.nextBytes(value);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        engines.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH_PUTS)
    public void applyBatch() {
        try (EngineWriteBatch batch = engines.kv().newWriteBatch()) {
            for (int i = 0; i < BATCH_PUTS; i++) {
                batch.put(Cf.DEFAULT, key(random.nextInt(keys)), value);
            }
            engines.kv().write(batch, false);
        }
    }

    /** A 16-byte key: a prefix and {@code n} in fixed-width decimal (no formatting cost in the loop). */
    private static byte[] key(int n) {
        byte[] key = new byte[KEY_BYTES];
        System.arraycopy(KEY_PREFIX, 0, key, 0, KEY_PREFIX.length);
        for (int i = KEY_BYTES - 1; i >= KEY_PREFIX.length; i--) {
            key[i] = (byte) ('0' + n % 10);
            n /= 10;
        }
        return key;
    }
}
