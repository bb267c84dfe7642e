package io.tinykv.compat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.tikv.common.exception.RawCASConflictException;
import org.tikv.raw.RawKVClient;
import org.tikv.shade.com.google.protobuf.ByteString;

/**
 * Client threads that each read a counter and {@code compareAndSet} it from n to n + 1. If the
 * swap is atomic, every value is written by exactly one swap, so the values of the swaps that
 * succeeded are distinct; a lost update shows as two successes with the same value.
 *
 * <p>Outcomes are three: success (the swap happened), conflict, and any other failure (unknown: a
 * timed-out attempt may have happened, and the client's retry of it then conflicts with itself, so
 * a conflict is not proof that nothing was written either).
 */
final class CasIncrements implements AutoCloseable {

    private final RawKVClient client;
    private final ByteString key;
    private final List<Long> successes = new CopyOnWriteArrayList<>();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong unknown = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final Object progress = new Object();
    private volatile boolean stopped;

    CasIncrements(RawKVClient client, ByteString key) {
        this.client = client;
        this.key = key;
    }

    void start(int threadCount) {
        for (int t = 0; t < threadCount; t++) {
            Thread thread = new Thread(this::run, "cas-client-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run() {
        while (!stopped) {
            Optional<ByteString> current;
            try {
                current = client.get(key);
            } catch (RuntimeException e) {
                continue; // a read changes nothing; try again
            }
            long next = current.map(v -> Long.parseLong(v.toStringUtf8())).orElse(0L) + 1;
            try {
                client.compareAndSet(key, current, ByteString.copyFromUtf8(Long.toString(next)));
                successes.add(next);
                synchronized (progress) {
                    progress.notifyAll();
                }
            } catch (RawCASConflictException e) {
                conflicts.incrementAndGet();
            } catch (RuntimeException e) {
                unknown.incrementAndGet();
            }
        }
    }

    void awaitSuccesses(int count, Duration timeout, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (successes.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(what + ": only " + successes.size() + " of " + count
                            + " swaps succeeded within " + timeout + " (" + conflicts.get() + " conflicts, "
                            + unknown.get() + " unknown)");
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

    List<Long> successes() {
        return List.copyOf(successes);
    }

    long conflicts() {
        return conflicts.get();
    }

    long unknown() {
        return unknown.get();
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            thread.interrupt();
        }
    }
}
