package io.tinykv.compat;

import io.tinykv.testkit.linear.RegisterOp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tikv.common.TiSession;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;

/**
 * Client threads putting and getting a few shared keys through the TiKV client (the register
 * history, every operation with its invoke and complete times, for the linearizability checker) and,
 * optionally, putting keys of their own (each acknowledged one remembered, to be found again later).
 * A put whose outcome the client could not learn is recorded with an unknown completion; a failed
 * read tells nothing and is dropped.
 *
 * <p>Two ways in: {@link #raw} (RawKV puts and gets) and {@link #transactional} (a one-key
 * transaction per put, a snapshot read at a fresh timestamp per get: a read at a TSO timestamp taken
 * after it was invoked and a commit at one taken after its prewrite keep the history linearizable).
 */
final class RegisterWorkload implements AutoCloseable {
    /** The client number of the reads after the load. */
    private static final int FINAL_READER = -1;
    /** Out of 100: the RawKV workload's share of reads among shared-key operations. */
    private static final int RAW_READ_PERCENT = 40;
    /** The RawKV workload writes a key of its own every this many operations. */
    private static final int RAW_OWN_KEY_EVERY = 3;

    private static final int TXN_READ_PERCENT = 50;

    /** One client API's register reads and writes. */
    interface Registers extends AutoCloseable {
        /** The register's value, null when it has none. */
        String get(String key);

        /** Writes the register; throws when the write failed or its outcome is unknown. */
        void put(String key, String value) throws Exception;

        @Override
        default void close() {}
    }

    private final Registers registers;
    private final List<String> keys;
    private final int readPercent;
    /** Null: no keys of their own; else every {@code ownKeyEvery}th operation writes one under it. */
    private final String ownKeyPrefix;

    private final int ownKeyEvery;
    /** Whether the client library may send a put twice (see {@link RegisterOp#mayRepeat}). */
    private final boolean putsMayRepeat;

    private final List<Thread> threads = new ArrayList<>();
    private final List<RegisterOp> history = new CopyOnWriteArrayList<>();
    private final Map<String, String> acknowledgedOwn = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Object progress = new Object();
    private volatile boolean stopped;

    private RegisterWorkload(
            Registers registers,
            List<String> keys,
            int readPercent,
            String ownKeyPrefix,
            int ownKeyEvery,
            boolean putsMayRepeat) {
        this.registers = registers;
        this.keys = List.copyOf(keys);
        this.readPercent = readPercent;
        this.ownKeyPrefix = ownKeyPrefix;
        this.ownKeyEvery = ownKeyEvery;
        this.putsMayRepeat = putsMayRepeat;
    }

    /**
     * RawKV registers {@code prefix/reg/0..n-1}; 40% of the shared-key operations read, and every
     * third operation writes a key of its own under {@code prefix/own/}. The TiKV client retries a
     * RawKV put after a timeout or a lost leader, and both attempts may apply (a RawKV put carries no
     * id to tell them apart, in TiKV as here): the history records its puts as ones that may repeat.
     *
     * @param prefix makes this run's keys its own
     */
    static RegisterWorkload raw(RawKVClient client, String prefix, int registerKeys) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < registerKeys; i++) {
            keys.add(prefix + "/reg/" + i);
        }
        Registers raw = new Registers() {
            @Override
            public String get(String key) {
                return client.get(ByteString.copyFromUtf8(key))
                        .map(ByteString::toStringUtf8)
                        .orElse(null);
            }

            @Override
            public void put(String key, String value) {
                client.put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
            }
        };
        return new RegisterWorkload(raw, keys, RAW_READ_PERCENT, prefix + "/own/", RAW_OWN_KEY_EVERY, true);
    }

    /**
     * Transactional registers {@code keys} (half the operations read), through {@link TwoPhaseWrites}:
     * a retried prewrite or commit carries the same start ts, so a put takes effect at most once.
     */
    static RegisterWorkload transactional(TiSession session, List<String> keys, long lockTtlMillis, int backoffMillis) {
        KVClient kv = session.createKVClient();
        Registers txn = new Registers() {
            @Override
            public String get(String key) {
                long readTs = session.getTimestamp().getVersion();
                ByteString value = kv.get(ByteString.copyFromUtf8(key), readTs);
                return value.isEmpty() ? null : value.toStringUtf8();
            }

            @Override
            public void put(String key, String value) throws Exception {
                LinkedHashMap<byte[], byte[]> write = new LinkedHashMap<>();
                write.put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
                try (TwoPhaseWrites txn = TwoPhaseWrites.begin(session, write, lockTtlMillis, backoffMillis)) {
                    txn.commit();
                }
            }

            @Override
            public void close() {
                kv.close();
            }
        };
        return new RegisterWorkload(txn, keys, TXN_READ_PERCENT, null, 0, false);
    }

    void start(int threadCount, long seed) {
        for (int t = 0; t < threadCount; t++) {
            int process = t;
            SplittableRandom random = new SplittableRandom(seed + t);
            Thread thread = new Thread(() -> run(process, random), "register-client-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run(int process, SplittableRandom random) {
        long seq = 0;
        while (!stopped) {
            seq++;
            String key = keys.get(random.nextInt(keys.size()));
            if (ownKeyPrefix != null && seq % ownKeyEvery == 0) {
                String own = ownKeyPrefix + process + "/" + seq;
                String value = "v" + process + "-" + seq;
                try {
                    registers.put(own, value);
                    acknowledgedOwn.put(own, value);
                    succeeded();
                } catch (Exception e) {
                    failures.incrementAndGet();
                }
            } else if (random.nextInt(100) < readPercent) {
                long invoke = System.nanoTime();
                try {
                    String read = registers.get(key);
                    history.add(
                            RegisterOp.get(nextId.getAndIncrement(), process, key, read, invoke, System.nanoTime()));
                    succeeded();
                } catch (RuntimeException e) {
                    failures.incrementAndGet(); // a failed read tells nothing
                }
            } else {
                String value = "p" + process + "-" + seq;
                long invoke = System.nanoTime();
                try {
                    registers.put(key, value);
                    history.add(put(process, key, value, invoke, System.nanoTime()));
                    succeeded();
                } catch (Exception e) {
                    // Maybe written (a commit or put may have landed before the error), maybe not.
                    history.add(put(process, key, value, invoke, RegisterOp.UNKNOWN));
                    failures.incrementAndGet();
                }
            }
        }
    }

    private RegisterOp put(int process, String key, String value, long invoke, long complete) {
        int id = nextId.getAndIncrement();
        return putsMayRepeat
                ? RegisterOp.retriedPut(id, process, key, value, invoke, complete)
                : RegisterOp.put(id, process, key, value, invoke, complete);
    }

    private void succeeded() {
        successes.incrementAndGet();
        synchronized (progress) {
            progress.notifyAll();
        }
    }

    long successes() {
        return successes.get();
    }

    long failures() {
        return failures.get();
    }

    /** Waits until at least {@code count} operations have succeeded in total. */
    void awaitSuccesses(long count, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (successes.get() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(what + ": only " + successes.get() + " of " + count
                            + " operations succeeded within " + timeout + " (" + failures.get() + " failed)");
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** Stops the threads and waits for them (each finishes the operation it is in). */
    void stop(Duration timeout) throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still in an operation " + timeout + " after stop");
            }
        }
    }

    /** Reads every register once more (after the load), into the history. */
    void finalReads() {
        for (String key : keys) {
            long invoke = System.nanoTime();
            String read = registers.get(key);
            history.add(RegisterOp.get(nextId.getAndIncrement(), FINAL_READER, key, read, invoke, System.nanoTime()));
        }
    }

    List<RegisterOp> history() {
        return List.copyOf(history);
    }

    /** The keys of their own the clients wrote and were acknowledged, with their values. */
    Map<String, String> acknowledgedOwn() {
        return Map.copyOf(acknowledgedOwn);
    }

    @Override
    public void close() {
        stopped = true;
        registers.close();
    }
}
