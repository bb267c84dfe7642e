package io.tinykv.compat;

import io.tinykv.testkit.linear.RegisterOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * Client threads doing RawKV puts and gets through the TiKV client on a few shared keys (the register
 * history, every operation with its invoke and complete times) and puts of keys of their own (each
 * acknowledged one remembered, to be found again later).
 */
final class RegisterWorkload implements AutoCloseable {
    /** Out of 100: how many operations are reads; of the rest, every {@value #UNIQUE_EVERY}th writes a key of its own. */
    private static final int READ_PERCENT = 40;
    private static final int UNIQUE_EVERY = 3;
    /** The client number of the reads after the load. */
    private static final int FINAL_READER = -1;

    private final RawKVClient client;
    private final List<String> keys;
    private final String prefix;
    private final List<Thread> threads = new ArrayList<>();
    private final List<RegisterOp> history = new CopyOnWriteArrayList<>();
    private final Map<String, String> acknowledgedUnique = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Object progress = new Object();
    private volatile boolean stopped;

    /**
     * @param prefix makes this run's keys its own
     */
    RegisterWorkload(RawKVClient client, String prefix, int registerKeys) {
        this.client = client;
        this.prefix = prefix;
        List<String> k = new ArrayList<>();
        for (int i = 0; i < registerKeys; i++) {
            k.add(prefix + "/reg/" + i);
        }
        this.keys = List.copyOf(k);
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
            if (seq % UNIQUE_EVERY == 0) {
                String unique = prefix + "/own/" + process + "/" + seq;
                String value = "v" + process + "-" + seq;
                try {
                    client.put(ByteString.copyFromUtf8(unique), ByteString.copyFromUtf8(value));
                    acknowledgedUnique.put(unique, value);
                    succeeded();
                } catch (RuntimeException e) {
                    failures.incrementAndGet();
                }
            } else if (random.nextInt(100) < READ_PERCENT) {
                long invoke = System.nanoTime();
                try {
                    Optional<ByteString> value = client.get(ByteString.copyFromUtf8(key));
                    history.add(RegisterOp.get(nextId.getAndIncrement(), process, key,
                            value.map(ByteString::toStringUtf8).orElse(null), invoke, System.nanoTime()));
                    succeeded();
                } catch (RuntimeException e) {
                    failures.incrementAndGet(); // a failed read tells nothing
                }
            } else {
                String value = "p" + process + "-" + seq;
                long invoke = System.nanoTime();
                try {
                    client.put(ByteString.copyFromUtf8(key), ByteString.copyFromUtf8(value));
                    history.add(RegisterOp.put(nextId.getAndIncrement(), process, key, value, invoke,
                            System.nanoTime()));
                    succeeded();
                } catch (RuntimeException e) {
                    history.add(RegisterOp.put(nextId.getAndIncrement(), process, key, value, invoke,
                            RegisterOp.UNKNOWN));
                    failures.incrementAndGet();
                }
            }
        }
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

    /** Reads every register key once more (after the load), into the history. */
    void finalReads() {
        for (String key : keys) {
            long invoke = System.nanoTime();
            Optional<ByteString> value = client.get(ByteString.copyFromUtf8(key));
            history.add(RegisterOp.get(nextId.getAndIncrement(), FINAL_READER, key,
                    value.map(ByteString::toStringUtf8).orElse(null), invoke, System.nanoTime()));
        }
    }

    List<RegisterOp> history() {
        return List.copyOf(history);
    }

    Map<String, String> acknowledgedUnique() {
        return Map.copyOf(acknowledgedUnique);
    }

    @Override
    public void close() {
        stopped = true;
    }
}
