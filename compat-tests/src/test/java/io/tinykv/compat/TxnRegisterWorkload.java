package io.tinykv.compat;

import io.tinykv.testkit.linear.RegisterOp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tikv.common.TiSession;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;

/**
 * A register history through the TiKV client's transactional API: client threads put (a one-key
 * transaction through {@link TwoPhaseWrites}) and get (a snapshot read at a fresh timestamp) a few
 * shared keys. A single-key transaction reads at a TSO timestamp taken after it was invoked and
 * commits at one taken after its prewrite, so the register history must be linearizable. A put whose
 * outcome the client could not learn is recorded with an unknown completion; a failed read tells
 * nothing and is dropped.
 */
final class TxnRegisterWorkload implements AutoCloseable {
    private static final int READ_PERCENT = 50;
    private static final int FINAL_READER = -1;

    private final TiSession session;
    private final KVClient kv;
    private final List<String> keys;
    private final long lockTtlMillis;
    private final int backoffMillis;
    private final List<Thread> threads = new ArrayList<>();
    private final List<RegisterOp> history = new CopyOnWriteArrayList<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean stopped;

    TxnRegisterWorkload(TiSession session, List<String> keys, long lockTtlMillis, int backoffMillis) {
        this.session = session;
        this.kv = session.createKVClient();
        this.keys = List.copyOf(keys);
        this.lockTtlMillis = lockTtlMillis;
        this.backoffMillis = backoffMillis;
    }

    void start(int threadCount, long seed) {
        for (int t = 0; t < threadCount; t++) {
            int process = t;
            SplittableRandom random = new SplittableRandom(seed + t);
            Thread thread = new Thread(() -> run(process, random), "txn-register-" + t);
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
            if (random.nextInt(100) < READ_PERCENT) {
                long invoke = System.nanoTime();
                try {
                    String read = get(key);
                    history.add(RegisterOp.get(nextId.getAndIncrement(), process, key, read, invoke, System.nanoTime()));
                    successes.incrementAndGet();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            } else {
                String value = "p" + process + "-" + seq;
                long invoke = System.nanoTime();
                LinkedHashMap<byte[], byte[]> write = new LinkedHashMap<>();
                write.put(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
                try (TwoPhaseWrites txn = TwoPhaseWrites.begin(session, write, lockTtlMillis, backoffMillis)) {
                    txn.commit();
                    history.add(RegisterOp.put(nextId.getAndIncrement(), process, key, value, invoke, System.nanoTime()));
                    successes.incrementAndGet();
                } catch (Exception e) {
                    // Maybe committed (the primary's commit may have landed), maybe not.
                    history.add(RegisterOp.put(nextId.getAndIncrement(), process, key, value, invoke, RegisterOp.UNKNOWN));
                    failures.incrementAndGet();
                }
            }
        }
    }

    private String get(String key) {
        long readTs = session.getTimestamp().getVersion();
        ByteString value = kv.get(ByteString.copyFromUtf8(key), readTs);
        return value.isEmpty() ? null : value.toStringUtf8();
    }

    long successes() {
        return successes.get();
    }

    long failures() {
        return failures.get();
    }

    /** Stops the threads and waits for each to finish the operation it is in. */
    void stop(java.time.Duration timeout) throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still in an operation " + timeout + " after stop");
            }
        }
    }

    /** Reads every register once more, after the run, into the history. */
    void finalReads() {
        for (String key : keys) {
            long invoke = System.nanoTime();
            String read = get(key);
            history.add(RegisterOp.get(nextId.getAndIncrement(), FINAL_READER, key, read, invoke, System.nanoTime()));
        }
    }

    List<RegisterOp> history() {
        return List.copyOf(history);
    }

    @Override
    public void close() {
        stopped = true;
        kv.close();
    }
}
