package io.tinykv.client;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Transport failures a test arranges for the transactional stores: after a request has been
 * EXECUTED, its RPC fails anyway (the client cannot tell whether it took effect), e.g. a commit whose
 * response is lost; or a request is HELD back before it executes, so that the client's deadline
 * passes, and executed later (a slow store; the late copy lands after the client moved on). Also
 * counts the requests executed and held per method. Thread-safe.
 */
public final class TxnFaults implements AutoCloseable {
    private record Rule(String method, ByteString key, Status status, int[] remaining) {}

    /** Every {@code n}-th executed request of {@code method} fails with {@code status}. */
    private record Periodic(String method, int n, Status status) {}

    /** The next {@code remaining} requests of {@code method} touching {@code key} are held until released. */
    private record HoldRule(String method, ByteString key, int[] remaining) {}

    /** Every {@code n}-th arriving request of {@code method} is held for {@code delayMs}, then executed. */
    private record Delay(String method, int n, long delayMs) {}

    private final List<Rule> rules = new ArrayList<>();
    private final List<Periodic> periodic = new ArrayList<>();
    private final Map<String, Integer> executed = new HashMap<>();
    private final List<HoldRule> holdRules = new ArrayList<>();
    private final List<Delay> delays = new ArrayList<>();
    private final Map<String, Integer> arrived = new HashMap<>();
    private final Map<String, List<Long>> heldOnStores = new HashMap<>();
    /** Held requests not yet released: each executes its request and answers the (gone) caller. */
    private final List<Supplier<Object>> heldRequests = new ArrayList<>();
    /** What the late copies of held requests answered, in the order they executed. */
    private final List<Object> lateAnswers = new ArrayList<>();

    private final ScheduledExecutorService delayer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("txn-faults-delayer").factory());

    /**
     * The next {@code times} executed requests of {@code method} (e.g. "KvCommit") touching {@code key}
     * fail with {@code status} after taking effect; {@code times} {@link Integer#MAX_VALUE} = always.
     */
    public synchronized void failAfterExecuting(String method, ByteString key, Status status, int times) {
        rules.add(new Rule(method, key, status, new int[] {times}));
    }

    /** Every {@code n}-th executed request of {@code method}, whatever its keys, fails with {@code status}. */
    public synchronized void failAfterExecutingEvery(String method, int n, Status status) {
        if (n <= 0) {
            throw new IllegalArgumentException("n must be > 0, got " + n);
        }
        periodic.add(new Periodic(method, n, status));
    }

    /**
     * The next {@code times} requests of {@code method} touching {@code key} are held before they execute:
     * no answer comes until {@link #releaseHeld()} (the client's deadline passes first).
     */
    public synchronized void holdBeforeExecuting(String method, ByteString key, int times) {
        holdRules.add(new HoldRule(method, key, new int[] {times}));
    }

    /**
     * Every {@code n}-th arriving request of {@code method} is held for {@code delayMs} (real time) before
     * it executes and answers: with a client deadline below {@code delayMs}, the answer comes too late.
     */
    public synchronized void delayEvery(String method, int n, long delayMs) {
        if (n <= 0 || delayMs <= 0) {
            throw new IllegalArgumentException("n and delayMs must be > 0, got " + n + " and " + delayMs);
        }
        delays.add(new Delay(method, n, delayMs));
    }

    public synchronized void clear() {
        rules.clear();
        periodic.clear();
        holdRules.clear();
        delays.clear();
    }

    /**
     * Called by the store when a request arrives, before anything else: whether to hold it back, in
     * which case {@code serveLate} runs it later (executes it and answers) and the store does nothing now.
     */
    public synchronized boolean holdsBack(
            long storeId, String method, List<ByteString> keys, Supplier<Object> serveLate) {
        int count = arrived.merge(method, 1, Integer::sum);
        for (HoldRule rule : holdRules) {
            if (rule.method().equals(method) && keys.contains(rule.key()) && rule.remaining()[0] > 0) {
                if (rule.remaining()[0] != Integer.MAX_VALUE) {
                    rule.remaining()[0]--;
                }
                heldOnStores.computeIfAbsent(method, m -> new ArrayList<>()).add(storeId);
                heldRequests.add(serveLate);
                return true;
            }
        }
        for (Delay delay : delays) {
            if (delay.method().equals(method) && count % delay.n() == 0) {
                heldOnStores.computeIfAbsent(method, m -> new ArrayList<>()).add(storeId);
                delayer.schedule(() -> recordLate(serveLate), delay.delayMs(), TimeUnit.MILLISECONDS);
                return true;
            }
        }
        return false;
    }

    /** Executes every held request now, late; returns what each answered (a response, or a Status). */
    public List<Object> releaseHeld() {
        List<Supplier<Object>> release;
        synchronized (this) {
            release = List.copyOf(heldRequests);
            heldRequests.clear();
        }
        List<Object> answers = new ArrayList<>();
        for (Supplier<Object> request : release) {
            answers.add(recordLate(request));
        }
        return answers;
    }

    private Object recordLate(Supplier<Object> request) {
        Object answer = request.get();
        synchronized (this) {
            lateAnswers.add(answer);
        }
        return answer;
    }

    /** How many requests of {@code method} the stores held back (before executing them). */
    public synchronized int held(String method) {
        return heldOnStores.getOrDefault(method, List.of()).size();
    }

    /** The stores that held requests of {@code method}, in the order they held them. */
    public synchronized List<Long> heldOnStores(String method) {
        return List.copyOf(heldOnStores.getOrDefault(method, List.of()));
    }

    /** What the late copies of held requests answered so far. */
    public synchronized List<Object> lateAnswers() {
        return List.copyOf(lateAnswers);
    }

    /** Drops delayed requests that have not run yet. */
    @Override
    public void close() {
        delayer.shutdownNow();
    }

    /** Called by the store after executing a request: the status to fail the RPC with, or null. */
    public synchronized Status afterExecuting(String method, List<ByteString> keys) {
        int count = executed.merge(method, 1, Integer::sum);
        for (Periodic p : periodic) {
            if (p.method().equals(method) && count % p.n() == 0) {
                return p.status();
            }
        }
        for (Rule rule : rules) {
            if (rule.method().equals(method) && keys.contains(rule.key()) && rule.remaining()[0] > 0) {
                if (rule.remaining()[0] != Integer.MAX_VALUE) {
                    rule.remaining()[0]--;
                }
                return rule.status();
            }
        }
        return null;
    }

    /** How many requests of {@code method} the stores executed. */
    public synchronized int executed(String method) {
        return executed.getOrDefault(method, 0);
    }
}
