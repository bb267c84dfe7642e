package io.tinykv.bench.workload;

import java.util.random.RandomGenerator;

/** Every record is equally likely. */
public record UniformKeyChooser(long recordCount) implements KeyChooser {

    public UniformKeyChooser {
        if (recordCount < 1) {
            throw new IllegalArgumentException("record count must be positive, got " + recordCount);
        }
    }

    @Override
    public long nextIndex(RandomGenerator random) {
        return random.nextLong(recordCount);
    }
}
