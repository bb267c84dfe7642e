package io.tinykv.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfianGeneratorTest {

    private static final int SAMPLES = 2_000_000;
    private static final long SEED = 42;

    private static long[] histogram(KeyChooser chooser, int items) {
        long[] counts = new long[items];
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < SAMPLES; i++) {
            long index = chooser.nextIndex(random);
            assertThat(index).isBetween(0L, items - 1L);
            counts[(int) index]++;
        }
        return counts;
    }

    @Test
    void topRankFrequenciesFollowOneOverKToTheTheta() {
        int items = 1_000;
        ZipfianGenerator zipf = new ZipfianGenerator(items, 0.99);
        long[] counts = histogram(zipf, items);
        // The sampler is exact at every rank: 5% relative leaves room for sampling noise (about 2%
        // at three standard deviations on rank 20, less on the more popular ranks).
        for (int k = 0; k < 20; k++) {
            double observed = (double) counts[k] / SAMPLES;
            assertThat(observed)
                    .as("frequency of rank %d", k)
                    .isCloseTo(zipf.probabilityOfRank(k), within(0.05 * zipf.probabilityOfRank(k) + 1e-4));
        }
    }

    @Test
    void logLogSlopeOfTheRankFrequencyCurveIsMinusTheta() {
        for (double theta : new double[] {0.5, 0.8, 0.99, 1.2}) {
            int items = 10_000;
            long[] counts = histogram(new ZipfianGenerator(items, theta), items);
            // Least-squares slope of log(frequency) against log(rank + 1) over the well-sampled head.
            int n = 200;
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (int k = 0; k < n; k++) {
                double x = Math.log(k + 1);
                double y = Math.log((double) counts[k] / SAMPLES);
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
            assertThat(slope).as("slope for theta %s", theta).isCloseTo(-theta, within(0.05));
        }
    }

    @Test
    void frequenciesDecreaseWithRank() {
        int items = 100;
        long[] counts = histogram(new ZipfianGenerator(items, 0.99), items);
        // Compare decades rather than neighbours: neighbouring ranks differ by less than the noise.
        assertThat(counts[0]).isGreaterThan(counts[1]);
        assertThat(counts[1]).isGreaterThan(counts[9]);
        assertThat(counts[9]).isGreaterThan(counts[99]);
    }

    @Test
    void sameSeedSameSequence() {
        ZipfianGenerator zipf = new ZipfianGenerator(1_000, 0.99);
        SplittableRandom a = new SplittableRandom(7);
        SplittableRandom b = new SplittableRandom(7);
        for (int i = 0; i < 1_000; i++) {
            assertThat(zipf.nextIndex(a)).isEqualTo(zipf.nextIndex(b));
        }
    }

    @Test
    void zetaIsTheGeneralisedHarmonicNumber() {
        assertThat(ZipfianGenerator.zeta(1, 0.5)).isEqualTo(1.0);
        assertThat(ZipfianGenerator.zeta(3, 1e-12)).isCloseTo(3.0, within(1e-9));
        assertThat(ZipfianGenerator.zeta(2, 0.5)).isCloseTo(1 + 1 / Math.sqrt(2), within(1e-12));
    }

    @Test
    void singleItemAlwaysDrawsIt() {
        ZipfianGenerator zipf = new ZipfianGenerator(1, 0.99);
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 1_000; i++) {
            assertThat(zipf.nextIndex(random)).isZero();
        }
    }

    @Test
    void thetaOfOneIsHandledAndNonPositiveThetaIsRejected() {
        int items = 100;
        ZipfianGenerator harmonic = new ZipfianGenerator(items, 1.0);
        long[] counts = histogram(harmonic, items);
        assertThat((double) counts[0] / SAMPLES)
                .isCloseTo(harmonic.probabilityOfRank(0), within(0.05 * harmonic.probabilityOfRank(0)));
        assertThatThrownBy(() -> new ZipfianGenerator(10, 0.0)).hasMessageContaining("theta");
        assertThatThrownBy(() -> new ZipfianGenerator(10, -1)).hasMessageContaining("theta");
        assertThatThrownBy(() -> new ZipfianGenerator(0, 0.5)).hasMessageContaining("positive");
    }

    @Test
    void scramblingIsAPermutationSoPopularityIsKept() {
        for (long n : new long[] {1, 2, 10, 97, 1_000, 1_000_007}) {
            ScrambledZipfianChooser chooser = new ScrambledZipfianChooser(n, 0.99);
            Set<Long> seen = new HashSet<>();
            long checked = Math.min(n, 5_000);
            for (long rank = 0; rank < checked; rank++) {
                long index = chooser.indexOfRank(rank);
                assertThat(index).isBetween(0L, n - 1);
                assertThat(seen.add(index))
                        .as("rank %d of %d maps to a fresh index", rank, n)
                        .isTrue();
            }
        }
    }

    @Test
    void scrambledChooserHasTheSameHeadMassAsItsRanks() {
        int items = 1_000;
        ScrambledZipfianChooser scrambled = new ScrambledZipfianChooser(items, 0.99);
        ZipfianGenerator ranks = new ZipfianGenerator(items, 0.99);
        long[] counts = histogram(scrambled, items);
        double observed = (double) counts[(int) scrambled.indexOfRank(0)] / SAMPLES;
        assertThat(observed).isCloseTo(ranks.probabilityOfRank(0), within(0.05 * ranks.probabilityOfRank(0)));
    }

    @Test
    void uniformSpreadsEvenly() {
        int items = 10;
        long[] counts = histogram(new UniformKeyChooser(items), items);
        for (long c : counts) {
            assertThat((double) c / SAMPLES).isCloseTo(0.1, within(0.005));
        }
    }
}
