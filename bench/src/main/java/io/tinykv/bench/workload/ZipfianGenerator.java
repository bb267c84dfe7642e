package io.tinykv.bench.workload;

import java.util.random.RandomGenerator;

/**
 * Zipf-distributed ranks: rank {@code k} (0-based) is drawn with probability exactly proportional to
 * {@code 1 / (k + 1)^theta}, so rank 0 is the most popular.
 *
 * <p>Sampling is rejection-inversion (Hörmann and Derflinger, "Rejection-inversion to generate
 * variates from monotone discrete distributions", ACM TOMACS 1996): invert the integral of the
 * continuous hat {@code h(x) = x^-theta} and accept the rounded point unless it falls in the sliver
 * between hat and histogram. It is exact at every rank, needs O(1) set-up and, for any theta,
 * rejects rarely. (YCSB uses the approximation of Gray et al., which is exact only at the two
 * most popular ranks and overweights the next few by up to about a fifth.)
 */
public final class ZipfianGenerator implements KeyChooser {

    /** YCSB's default skew. */
    public static final double YCSB_THETA = 0.99;

    /** Below this magnitude the helpers use their Taylor series to avoid cancellation. */
    private static final double SERIES_THRESHOLD = 1e-8;

    private final long items;
    private final double theta;
    private final double hIntegralX1;
    private final double hIntegralN;
    private final double s;

    public ZipfianGenerator(long items, double theta) {
        if (items < 1) {
            throw new IllegalArgumentException("item count must be positive, got " + items);
        }
        if (!(theta > 0.0) || Double.isInfinite(theta)) {
            throw new IllegalArgumentException("zipfian theta must be positive, got " + theta);
        }
        this.items = items;
        this.theta = theta;
        this.hIntegralX1 = hIntegral(1.5) - 1.0;
        this.hIntegralN = hIntegral(items + 0.5);
        this.s = 2.0 - hIntegralInverse(hIntegral(2.5) - h(2.0));
    }

    /** The generalised harmonic number: the sum over i in [1, n] of 1 / i^theta (O(n)). */
    public static double zeta(long n, double theta) {
        double sum = 0.0;
        for (long i = 1; i <= n; i++) {
            sum += 1.0 / Math.pow(i, theta);
        }
        return sum;
    }

    /** The exact probability of 0-based rank {@code k} under the discrete Zipf law (O(n), for tests). */
    public double probabilityOfRank(long k) {
        return 1.0 / (Math.pow(k + 1, theta) * zeta(items, theta));
    }

    @Override
    public long nextIndex(RandomGenerator random) {
        while (true) {
            double u = hIntegralN + random.nextDouble() * (hIntegralX1 - hIntegralN);
            double x = hIntegralInverse(u);
            long k = (long) (x + 0.5);
            if (k < 1) {
                k = 1;
            } else if (k > items) {
                k = items;
            }
            // Accept at once when x lies close enough to k; otherwise compare with the histogram bar.
            if (k - x <= s || u >= hIntegral(k + 0.5) - h(k)) {
                return k - 1;
            }
        }
    }

    @Override
    public long recordCount() {
        return items;
    }

    public double theta() {
        return theta;
    }

    /** The hat function, x^-theta. */
    private double h(double x) {
        return Math.exp(-theta * Math.log(x));
    }

    /** An antiderivative of the hat: (x^(1-theta) - 1) / (1 - theta), and log x at theta = 1. */
    private double hIntegral(double x) {
        double logX = Math.log(x);
        return expm1OverX((1.0 - theta) * logX) * logX;
    }

    private double hIntegralInverse(double x) {
        double t = x * (1.0 - theta);
        if (t < -1.0) {
            // Rounding can push t just past the pole of log1p; clamp as the continuous limit does.
            t = -1.0;
        }
        return Math.exp(log1pOverX(t) * x);
    }

    /** (e^x - 1) / x, continuous at 0. */
    private static double expm1OverX(double x) {
        return Math.abs(x) > SERIES_THRESHOLD ? Math.expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
    }

    /** log(1 + x) / x, continuous at 0. */
    private static double log1pOverX(double x) {
        return Math.abs(x) > SERIES_THRESHOLD ? Math.log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
    }
}
