package io.tinykv.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    private static final int SAMPLES = 200_000;

    private static double readFraction(Workload w) {
        SplittableRandom random = new SplittableRandom(3);
        long reads = 0;
        for (int i = 0; i < SAMPLES; i++) {
            if (w.nextOperation(random) == Operation.READ) {
                reads++;
            }
        }
        return (double) reads / SAMPLES;
    }

    @Test
    void mixesMatchTheirProportions() {
        assertThat(readFraction(Workload.A)).isCloseTo(0.50, within(0.01));
        assertThat(readFraction(Workload.B)).isCloseTo(0.95, within(0.01));
    }

    @Test
    void readOnlyNeverWritesAndWriteOnlyNeverReads() {
        assertThat(readFraction(Workload.C)).isEqualTo(1.0);
        assertThat(readFraction(Workload.W)).isEqualTo(0.0);
    }

    @Test
    void namesAreCaseInsensitiveAndUnknownOnesAreRejected() {
        assertThat(Workload.named("a")).isEqualTo(Workload.A);
        assertThat(Workload.named(" W ")).isEqualTo(Workload.W);
        assertThatThrownBy(() -> Workload.named("Z")).hasMessageContaining("unknown workload 'Z'");
        assertThatThrownBy(() -> new Workload("X", 1.5)).hasMessageContaining("[0, 1]");
    }

    @Test
    void mixDescribesTheProportions() {
        assertThat(Workload.B.mix()).isEqualTo("95% read / 5% update");
    }

    @Test
    void keysHaveTheConfiguredSizeAndSortLikeTheirIndexes() {
        RecordKeys keys = RecordKeys.forRecords(16, 1_000_000);
        byte[] a = keys.key(9);
        byte[] b = keys.key(10);
        assertThat(a).hasSize(16);
        assertThat(new String(a, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("u000000000000009");
        assertThat(java.util.Arrays.compareUnsigned(a, b)).isNegative();
    }

    @Test
    void keySizeTooSmallForTheRecordCountIsRejected() {
        assertThatThrownBy(() -> RecordKeys.forRecords(4, 10_000)).hasMessageContaining("too small");
        assertThat(RecordKeys.forRecords(5, 10_000).key(9_999)).hasSize(5);
    }

    @Test
    void distributionsByName() {
        assertThat(KeyDistribution.named("Uniform").chooser(10, 0.99)).isInstanceOf(UniformKeyChooser.class);
        assertThat(KeyDistribution.named("zipfian").chooser(10, 0.99)).isInstanceOf(ScrambledZipfianChooser.class);
        assertThatThrownBy(() -> KeyDistribution.named("latest")).hasMessageContaining("unknown key distribution");
    }
}
