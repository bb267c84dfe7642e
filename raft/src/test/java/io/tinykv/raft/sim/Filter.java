package io.tinykv.raft.sim;

import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * One network fault. Filters compose: the network passes every sent message through its chain, each
 * filter turning one envelope into zero (dropped), one, or several (duplicated) envelopes.
 */
public sealed interface Filter {

    List<Envelope> apply(Envelope envelope, RandomGenerator random);

    /** Loses each message with the given probability. */
    record Drop(double probability) implements Filter {
        public Drop {
            requireProbability(probability);
        }

        @Override
        public List<Envelope> apply(Envelope envelope, RandomGenerator random) {
            return random.nextDouble() < probability ? List.of() : List.of(envelope);
        }
    }

    /** Sends a second copy of a message with the given probability; the copy is delivered independently. */
    record Duplicate(double probability) implements Filter {
        public Duplicate {
            requireProbability(probability);
        }

        @Override
        public List<Envelope> apply(Envelope envelope, RandomGenerator random) {
            return random.nextDouble() < probability ? List.of(envelope, envelope.shuffled()) : List.of(envelope);
        }
    }

    /**
     * Holds each message back by 0..maxDelayTicks ticks and lets it overtake others: messages then
     * arrive out of send order, which Raft must tolerate.
     */
    record Delay(int maxDelayTicks) implements Filter {
        public Delay {
            if (maxDelayTicks < 0) {
                throw new IllegalArgumentException("maxDelayTicks must be >= 0, got " + maxDelayTicks);
            }
        }

        @Override
        public List<Envelope> apply(Envelope envelope, RandomGenerator random) {
            return List.of(envelope.delayedBy(random.nextInt(maxDelayTicks + 1)).shuffled());
        }
    }

    /** Cuts the nodes in {@code side} off from everyone else; messages inside either side pass. */
    record Partition(Set<Long> side) implements Filter {
        public Partition {
            side = Set.copyOf(side);
        }

        @Override
        public List<Envelope> apply(Envelope envelope, RandomGenerator random) {
            boolean fromInside = side.contains(envelope.message().getFrom());
            boolean toInside = side.contains(envelope.message().getTo());
            return fromInside == toInside ? List.of(envelope) : List.of();
        }
    }

    private static void requireProbability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("probability must be within [0, 1], got " + p);
        }
    }
}
