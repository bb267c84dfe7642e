package io.tinykv.bench.workload;

import java.util.random.RandomGenerator;

/**
 * Chooses which record an operation touches. Implementations are immutable and share nothing but
 * precomputed constants, so one chooser serves every client thread; each client brings its own
 * random source.
 */
public sealed interface KeyChooser permits UniformKeyChooser, ZipfianGenerator, ScrambledZipfianChooser {

    /** The record index for the next operation, in [0, recordCount). */
    long nextIndex(RandomGenerator random);

    /** How many records the chooser draws from. */
    long recordCount();
}
