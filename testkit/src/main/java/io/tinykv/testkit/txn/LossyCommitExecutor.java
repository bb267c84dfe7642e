package io.tinykv.testkit.txn;

import io.tinykv.testkit.history.Outcome;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Wraps an executor so that some commit responses are "lost": the client then reports INFO while
 * the commit either happened or was abandoned, at random. Exercises the checkers' handling of
 * unknown outcomes with a store that is otherwise correct.
 */
public final class LossyCommitExecutor implements TxnExecutor {

    private final TxnExecutor delegate;
    private final RandomGenerator random;
    private final double lossProbability;

    /** @param random shared by all sessions; access is synchronized on it */
    public LossyCommitExecutor(TxnExecutor delegate, RandomGenerator random, double lossProbability) {
        if (lossProbability < 0 || lossProbability > 1) {
            throw new IllegalArgumentException("loss probability must be in [0, 1], was " + lossProbability);
        }
        this.delegate = delegate;
        this.random = random;
        this.lossProbability = lossProbability;
    }

    @Override
    public TxnSession begin() throws TxnFailedException {
        TxnSession inner = delegate.begin();
        return new TxnSession() {
            @Override
            public List<Long> read(String key) throws TxnFailedException {
                return inner.read(key);
            }

            @Override
            public void write(String key, List<Long> value) throws TxnFailedException {
                inner.write(key, value);
            }

            @Override
            public Outcome commit() {
                boolean lose;
                boolean applyAnyway;
                synchronized (random) {
                    lose = random.nextDouble() < lossProbability;
                    applyAnyway = random.nextBoolean();
                }
                if (!lose) {
                    return inner.commit();
                }
                if (applyAnyway) {
                    inner.commit();
                } else {
                    inner.abort();
                }
                return Outcome.INFO;
            }

            @Override
            public void abort() {
                inner.abort();
            }
        };
    }
}
