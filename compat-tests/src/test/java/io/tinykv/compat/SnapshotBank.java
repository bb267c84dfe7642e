package io.tinykv.compat;

import io.tinykv.testkit.wait.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.tikv.common.BytePairWrapper;
import org.tikv.common.ByteWrapper;
import org.tikv.common.TiSession;
import org.tikv.common.exception.KeyException;
import org.tikv.common.util.ConcreteBackOffer;
import org.tikv.kvproto.Kvrpcpb;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;
import org.tikv.txn.TwoPhaseCommitter;

/**
 * The bank workload of P0 issue 11, written as a user of the official TiKV Java client would: one
 * {@link TiSession} in TXN mode and one {@link KVClient} shared by every thread; writers read two
 * accounts with {@code batchGet} at their start ts and move money with a {@link TwoPhaseCommitter}
 * (short lock TTL, debited account as primary), abandoning a transaction that fails so that others
 * must resolve its locks; one reader takes full snapshots at fresh timestamps and sums them.
 *
 * <p>A snapshot whose sum is not the bank's total is a torn read: it saw one side of a transfer
 * and not the other.
 */
final class SnapshotBank {

    static final String KEY_PREFIX = "snapbank/";

    /**
     * @param accounts how many accounts
     * @param initialBalance each account's balance at the start
     * @param writers writer threads
     * @param lockTtlMillis the TTL writers give their locks
     * @param stepBackoffMillis each commit step's retry budget
     */
    record Config(int accounts, long initialBalance, int writers, long lockTtlMillis, int stepBackoffMillis) {
        static Config issue11() {
            return new Config(10, 100, 4, 1_000, 5_000);
        }

        long total() {
            return accounts * initialBalance;
        }
    }

    /** One snapshot whose sum is wrong. */
    record TornSnapshot(long readTs, List<Long> balances, long sum) {}

    /** What a run did. */
    record Result(
            long committed,
            long rolledBack,
            long aborted,
            long unknown,
            long snapshots,
            long readFailures,
            List<TornSnapshot> torn,
            long finalSum) {
        @Override
        public String toString() {
            return "committed=" + committed + " rolledBack=" + rolledBack + " aborted=" + aborted
                    + " unknown=" + unknown
                    + " snapshots=" + snapshots + " readFailures=" + readFailures
                    + " torn=" + torn.size() + " finalSum=" + finalSum;
        }
    }

    private final TiSession session;
    private final KVClient kv;
    private final Config config;
    private final List<ByteString> keys = new ArrayList<>();
    private final AtomicLong committed = new AtomicLong();
    /** Transfers whose primary commit the store refused because a reader had rolled the lock back. */
    private final AtomicLong rolledBack = new AtomicLong();

    private final AtomicLong aborted = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final AtomicLong snapshots = new AtomicLong();
    private final AtomicLong readFailures = new AtomicLong();
    private final ConcurrentLinkedQueue<TornSnapshot> torn = new ConcurrentLinkedQueue<>();

    SnapshotBank(TiSession session, KVClient kv, Config config) {
        this.session = session;
        this.kv = kv;
        this.config = config;
        for (int i = 0; i < config.accounts(); i++) {
            keys.add(ByteString.copyFromUtf8(KEY_PREFIX + String.format("%03d", i)));
        }
    }

    /** Transfers committed so far. */
    long committedSoFar() {
        return committed.get();
    }

    /** Transfers decided by the cluster so far: committed, or rolled back by a reader and refused. */
    long decidedSoFar() {
        return committed.get() + rolledBack.get();
    }

    /**
     * Waits until the cluster has decided {@code target} transfers, committed or rolled back.
     *
     * <p>Both need a working quorum: a commit is a replicated write, and a rollback is one too (a
     * reader resolving an expired lock) that the store then reports to the writer. Counting commits
     * alone made the wait depend on the machine's speed: with the 1 s lock TTL, a writer slower than
     * a second between start ts and commit is rolled back by the reader every time, so a loaded
     * machine (load average 40 on 2 cores) committed 1 transfer in two minutes while the cluster
     * was deciding every transfer it was sent.
     *
     * @throws AssertionError when {@code timeout} passes first
     */
    void awaitDecided(long target, Duration timeout, String phase) {
        Await.until(
                () -> decidedSoFar() >= target,
                timeout,
                () -> "only " + decidedSoFar() + " of " + target + " transfers decided " + phase + " ("
                        + committed.get() + " committed, " + rolledBack.get() + " rolled back, "
                        + aborted.get() + " aborted, " + unknown.get() + " unknown, " + snapshots.get()
                        + " snapshots read, " + readFailures.get() + " reads failed)");
    }

    /** Writes every account's initial balance in one transaction. */
    void initialize() {
        long startTs = session.getTimestamp().getVersion();
        try (TwoPhaseCommitter committer = new TwoPhaseCommitter(session, startTs, config.stepBackoffMillis())) {
            byte[] primary = keys.getFirst().toByteArray();
            committer.prewritePrimaryKey(backOffer(), primary, encode(config.initialBalance()));
            List<BytePairWrapper> rest = new ArrayList<>();
            for (ByteString k : keys.subList(1, keys.size())) {
                rest.add(new BytePairWrapper(k.toByteArray(), encode(config.initialBalance())));
            }
            committer.prewriteSecondaryKeys(primary, rest.iterator(), config.stepBackoffMillis());
            long commitTs = session.getTimestamp().getVersion();
            committer.commitPrimaryKey(backOffer(), primary, commitTs);
            committer.commitSecondaryKeys(
                    rest.stream().map(p -> new ByteWrapper(p.getKey())).iterator(),
                    commitTs,
                    config.stepBackoffMillis());
        } catch (Exception e) {
            throw new IllegalStateException("initializing the bank failed", e);
        }
    }

    /**
     * Runs the writers and the reader until {@code duration} has passed and {@code duringRun} has
     * returned (or failed), then takes one last snapshot.
     *
     * @param duringRun called on the test thread while the workload runs (a fault to inject, which may
     *     wait for the workload to make progress); it returns when it is done
     */
    Result run(Duration duration, long seed, Runnable duringRun) throws InterruptedException {
        // Every thread stops itself once both are over: the test thread joins them, nothing sleeps.
        // The fault must not outlive the workload: on a loaded machine the phases that wait for
        // transfers take longer than the duration, and writers that had stopped at the duration
        // left the fault waiting for transfers nobody made (seen as "only 19 of 21 transfers
        // committed" with no writer thread alive).
        long deadlineNanos = System.nanoTime() + duration.toNanos();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean faultDone = new AtomicBoolean();
        BooleanSupplier running = () -> !stop.get() && (!faultDone.get() || System.nanoTime() - deadlineNanos < 0);
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < config.writers(); w++) {
            Random random = new Random(seed + w);
            threads.add(Thread.ofPlatform().name("bank-writer-" + w).start(() -> {
                while (running.getAsBoolean()) {
                    transfer(random);
                }
            }));
        }
        threads.add(Thread.ofPlatform().name("bank-reader").start(() -> {
            while (running.getAsBoolean()) {
                readSnapshot();
            }
        }));
        try {
            duringRun.run();
        } catch (RuntimeException | Error e) {
            stop.set(true);
            throw e;
        } finally {
            faultDone.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
        return new Result(
                committed.get(),
                rolledBack.get(),
                aborted.get(),
                unknown.get(),
                snapshots.get(),
                readFailures.get(),
                List.copyOf(torn),
                finalSum());
    }

    /** The sum of a snapshot at a fresh ts, retried until it succeeds (the run is over). */
    long finalSum() {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                long ts = session.getTimestamp().getVersion();
                return sum(readAll(ts));
            } catch (RuntimeException e) {
                last = e;
            }
        }
        throw new IllegalStateException("no final snapshot", last);
    }

    private void readSnapshot() {
        long ts;
        List<Long> balances;
        try {
            ts = session.getTimestamp().getVersion();
            balances = readAll(ts);
        } catch (RuntimeException e) {
            readFailures.incrementAndGet();
            return;
        }
        snapshots.incrementAndGet();
        long sum = sum(balances);
        if (sum != config.total()) {
            torn.add(new TornSnapshot(ts, balances, sum));
        }
    }

    /** Every account's balance at {@code ts}; a missing account reads as -1_000_000 (always torn). */
    private List<Long> readAll(long ts) {
        Map<ByteString, Long> found = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
        for (Kvrpcpb.KvPair pair : kv.batchGet(backOffer(), new ArrayList<>(keys), ts)) {
            found.put(pair.getKey(), decode(pair.getValue()));
        }
        List<Long> balances = new ArrayList<>();
        for (ByteString k : keys) {
            balances.add(found.getOrDefault(k, -1_000_000L));
        }
        return balances;
    }

    private void transfer(Random random) {
        int from = random.nextInt(config.accounts());
        int to = random.nextInt(config.accounts() - 1);
        if (to >= from) {
            to++;
        }
        long startTs;
        long fromBalance;
        long toBalance;
        try {
            startTs = session.getTimestamp().getVersion();
            Map<ByteString, Long> read = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
            for (Kvrpcpb.KvPair pair :
                    kv.batchGet(backOffer(), new ArrayList<>(List.of(keys.get(from), keys.get(to))), startTs)) {
                read.put(pair.getKey(), decode(pair.getValue()));
            }
            if (read.size() != 2) {
                aborted.incrementAndGet();
                return;
            }
            fromBalance = read.get(keys.get(from));
            toBalance = read.get(keys.get(to));
        } catch (RuntimeException e) {
            aborted.incrementAndGet();
            return;
        }
        if (fromBalance == 0) {
            return;
        }
        long amount = 1 + random.nextInt((int) Math.min(fromBalance, 20));
        byte[] primary = keys.get(from).toByteArray();
        byte[] secondary = keys.get(to).toByteArray();
        long commitTs;
        TwoPhaseCommitter committer = new TwoPhaseCommitter(session, startTs, config.lockTtlMillis());
        try {
            committer.prewritePrimaryKey(backOffer(), primary, encode(fromBalance - amount));
            committer.prewriteSecondaryKeys(
                    primary,
                    List.of(new BytePairWrapper(secondary, encode(toBalance + amount)))
                            .iterator(),
                    config.stepBackoffMillis());
            commitTs = session.getTimestamp().getVersion();
        } catch (RuntimeException e) {
            // Abandoned: its locks are left for others to resolve.
            aborted.incrementAndGet();
            closeQuietly(committer);
            return;
        }
        try {
            committer.commitPrimaryKey(backOffer(), primary, commitTs);
        } catch (RuntimeException e) {
            if (lockWasRolledBack(e)) {
                rolledBack.incrementAndGet();
            } else {
                unknown.incrementAndGet();
            }
            closeQuietly(committer);
            return;
        }
        committed.incrementAndGet();
        try {
            committer.commitSecondaryKeys(
                    List.of(new ByteWrapper(secondary)).iterator(), commitTs, config.stepBackoffMillis());
        } catch (RuntimeException e) {
            // Committed at the primary; readers finish the secondary.
        }
        closeQuietly(committer);
    }

    /**
     * Whether a commit failed because the store found the transaction's lock gone and no commit
     * record: TiKV's TxnLockNotFound, sent as a retryable key error. Only a rollback removes a lock
     * without a commit record, so the transfer definitely did not commit.
     */
    static boolean lockWasRolledBack(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof KeyException key
                    && key.getKeyErr() != null
                    && key.getKeyErr().getRetryable().toLowerCase(Locale.ROOT).contains("lock not found")) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(TwoPhaseCommitter committer) {
        try {
            committer.close();
        } catch (Exception e) {
            // Only its thread pools; nothing to do.
        }
    }

    private ConcreteBackOffer backOffer() {
        return ConcreteBackOffer.newCustomBackOff(
                config.stepBackoffMillis(), session.getPDClient().getClusterId());
    }

    static long sum(List<Long> balances) {
        return balances.stream().mapToLong(Long::longValue).sum();
    }

    static byte[] encode(long balance) {
        return Long.toString(balance).getBytes(StandardCharsets.UTF_8);
    }

    static long decode(ByteString value) {
        return Long.parseLong(value.toStringUtf8());
    }
}
