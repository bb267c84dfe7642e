package io.tinykv.bench.workload;

import java.util.random.RandomGenerator;

/**
 * Zipfian popularity, with the popular records spread over the key space instead of bunched at its
 * start (YCSB does the same for its "zipfian" request distribution). The rank drawn from a
 * {@link ZipfianGenerator} goes through a fixed permutation {@code rank -> (rank * m + c) mod n}
 * with {@code m} coprime to {@code n}; because it is a bijection, every record keeps exactly the
 * popularity of its rank.
 */
public final class ScrambledZipfianChooser implements KeyChooser {

    /** Record indexes must fit an int so that {@code rank * multiplier} fits a long. */
    public static final long MAX_RECORDS = Integer.MAX_VALUE;

    private static final long MULTIPLIER_SEED = 1_000_000_007L;
    private static final long OFFSET = 7_919L;

    private final ZipfianGenerator ranks;
    private final long multiplier;

    public ScrambledZipfianChooser(long recordCount, double theta) {
        if (recordCount > MAX_RECORDS) {
            throw new IllegalArgumentException("at most " + MAX_RECORDS + " records are supported, got " + recordCount);
        }
        this.ranks = new ZipfianGenerator(recordCount, theta);
        long m = MULTIPLIER_SEED % recordCount;
        while (m == 0 || gcd(m, recordCount) != 1) {
            m = (m + 1) % recordCount;
            if (recordCount == 1) {
                m = 1;
                break;
            }
        }
        this.multiplier = m;
    }

    /** Where rank {@code rank} lands in the key space. */
    public long indexOfRank(long rank) {
        long n = ranks.recordCount();
        return (rank * multiplier + OFFSET) % n;
    }

    @Override
    public long nextIndex(RandomGenerator random) {
        return indexOfRank(ranks.nextIndex(random));
    }

    @Override
    public long recordCount() {
        return ranks.recordCount();
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
