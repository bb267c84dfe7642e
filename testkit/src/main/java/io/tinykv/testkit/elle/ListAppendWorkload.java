package io.tinykv.testkit.elle;

import io.tinykv.testkit.history.MicroOp;
import io.tinykv.testkit.txn.TxnPlan;
import io.tinykv.testkit.txn.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Generates list-append transactions: a few reads and appends over a small pool of active keys, so
 * that transactions conflict often. Appended values are unique (a global counter), as the checker
 * requires. A key that has received {@code maxAppendsPerKey} appends is retired and replaced by a
 * fresh one, which keeps lists (and reads) short. Thread-safe.
 */
public final class ListAppendWorkload implements Workload {

    /**
     * @param activeKeys keys in use at any time; fewer keys mean more conflicts
     * @param maxOpsPerTransaction each transaction has 1..this many micro-ops
     * @param readProbability chance that a micro-op is a read rather than an append
     * @param abortProbability chance that the client abandons a transaction instead of committing
     */
    public record Config(
            int activeKeys,
            int maxOpsPerTransaction,
            int maxAppendsPerKey,
            double readProbability,
            double abortProbability) {
        public Config {
            requirePositive("activeKeys", activeKeys);
            requirePositive("maxOpsPerTransaction", maxOpsPerTransaction);
            requirePositive("maxAppendsPerKey", maxAppendsPerKey);
            requireProbability("readProbability", readProbability);
            requireProbability("abortProbability", abortProbability);
        }

        /** Eight keys, up to four micro-ops, half reads, no voluntary aborts. */
        public static Config defaults() {
            return new Config(8, 4, 64, 0.5, 0.0);
        }

        public Config withAbortProbability(double probability) {
            return new Config(activeKeys, maxOpsPerTransaction, maxAppendsPerKey, readProbability, probability);
        }
    }

    private final Config config;
    private final int[] keyOfSlot;
    private final int[] appendsInSlot;
    private int nextKeyId;
    private long nextValue = 1;

    public ListAppendWorkload(Config config) {
        this.config = config;
        this.keyOfSlot = new int[config.activeKeys()];
        this.appendsInSlot = new int[config.activeKeys()];
        for (int slot = 0; slot < keyOfSlot.length; slot++) {
            keyOfSlot[slot] = nextKeyId++;
        }
    }

    @Override
    public synchronized TxnPlan next(RandomGenerator random) {
        int opCount = 1 + random.nextInt(config.maxOpsPerTransaction());
        List<MicroOp> ops = new ArrayList<>(opCount);
        for (int i = 0; i < opCount; i++) {
            int slot = random.nextInt(keyOfSlot.length);
            String key = "k" + keyOfSlot[slot];
            if (random.nextDouble() < config.readProbability()) {
                ops.add(MicroOp.Read.unknown(key));
            } else {
                ops.add(new MicroOp.Append(key, nextValue++));
                if (++appendsInSlot[slot] >= config.maxAppendsPerKey()) {
                    keyOfSlot[slot] = nextKeyId++;
                    appendsInSlot[slot] = 0;
                }
            }
        }
        return new TxnPlan(ops, random.nextDouble() < config.abortProbability());
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    private static void requireProbability(String name, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1], was " + value);
        }
    }
}
