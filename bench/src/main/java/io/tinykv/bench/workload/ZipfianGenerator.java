package io.tinykv.bench.workload;

import java.util.random.RandomGenerator;

/**
 * Zipf-distributed ranks: rank {@code k} (0-based) is drawn with probability proportional to
 * {@code 1 / (k + 1)^theta}, so rank 0 is the most popular.
 *
 * <p>This is the rejection-free method of Gray et al., "Quickly Generating Billion-Record Synthetic
 * Databases" (SIGMOD 1994), the one YCSB uses: after an O(n) computation of the generalised harmonic
 * number {@code zeta(n, theta)}, each draw costs one uniform variate and one {@code pow}. Ranks 0
 * and 1 are exact; beyond them the method approximates the continuous tail, which is close to the
 * discrete law for the thetas benchmarks use (YCSB's default is 0.99).
 */
public final class ZipfianGenerator implements KeyChooser {

    /** YCSB's default skew. */
    public static final double YCSB_THETA = 0.99;

    private final long items;
    private final double theta;
    private final double zetaN;
    private final double alpha;
    private final double eta;
    private final double secondRankThreshold;

    public ZipfianGenerator(long items, double theta) {
        if (items < 1) {
            throw new IllegalArgumentException("item count must be positive, got " + items);
        }
        // alpha = 1/(1-theta) is undefined at 1 and the method assumes a proper skew below it.
        if (!(theta > 0.0 && theta < 1.0)) {
            throw new IllegalArgumentException("zipfian theta must be within (0, 1), got " + theta);
        }
        this.items = items;
        this.theta = theta;
        this.zetaN = zeta(items, theta);
        double zeta2 = zeta(Math.min(items, 2), theta);
        this.alpha = 1.0 / (1.0 - theta);
        this.eta = items < 2
                ? 0.0
                : (1.0 - Math.pow(2.0 / items, 1.0 - theta)) / (1.0 - zeta2 / zetaN);
        this.secondRankThreshold = 1.0 + Math.pow(0.5, theta);
    }

    /** The generalised harmonic number: the sum over i in [1, n] of 1 / i^theta. */
    public static double zeta(long n, double theta) {
        double sum = 0.0;
        for (long i = 1; i <= n; i++) {
            sum += 1.0 / Math.pow(i, theta);
        }
        return sum;
    }

    /** The exact probability of 0-based rank {@code k} under the discrete Zipf law. */
    public double probabilityOfRank(long k) {
        return 1.0 / (Math.pow(k + 1, theta) * zetaN);
    }

    @Override
    public long nextIndex(RandomGenerator random) {
        double u = random.nextDouble();
        double uz = u * zetaN;
        if (uz < 1.0) {
            return 0;
        }
        if (uz < secondRankThreshold && items > 1) {
            return 1;
        }
        long rank = (long) (items * Math.pow(eta * u - eta + 1.0, alpha));
        // Guard the floating-point edge at u close to 1.
        return Math.min(Math.max(rank, 0), items - 1);
    }

    @Override
    public long recordCount() {
        return items;
    }

    public double theta() {
        return theta;
    }
}
