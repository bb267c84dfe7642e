package io.tinykv.txn.latch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.testing.TestDeadline;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@SuppressWarnings("try") // latch guards are held for a scope, not used
class LatchesTest {

    private static final long DEADLINE_SECONDS = TestDeadline.DURATION.toSeconds();

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
    }

    private static byte[] k(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Starts a thread that acquires {@code keys}, counts down {@code acquired}, and holds until {@code release}. */
    private Future<?> holder(
            Latches latches,
            List<byte[]> keys,
            CountDownLatch acquired,
            CountDownLatch release,
            List<String> order,
            String name) {
        return pool.submit(() -> {
            try (Latches.Guard g = latches.acquire(keys)) {
                synchronized (order) {
                    order.add(name);
                }
                acquired.countDown();
                assertThat(release.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
            }
            return null;
        });
    }

    @Test
    void overlappingKeysRunOneAtATime() throws Exception {
        Latches latches = new Latches(64);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch aIn = new CountDownLatch(1);
        CountDownLatch aOut = new CountDownLatch(1);
        CountDownLatch bIn = new CountDownLatch(1);
        CountDownLatch bOut = new CountDownLatch(1);
        Future<?> a = holder(latches, List.of(k("x"), k("y")), aIn, aOut, order, "a");
        assertThat(aIn.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
        Future<?> b = holder(latches, List.of(k("y"), k("z")), bIn, bOut, order, "b");
        Await.until(() -> latches.queueLength(k("y")) == 2, TestDeadline.DURATION, "b queued behind a");
        assertThat(bIn.getCount()).isEqualTo(1);

        aOut.countDown();
        assertThat(bIn.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
        bOut.countDown();
        a.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        b.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        assertThat(order).containsExactly("a", "b");
        assertThat(latches.queueLength(k("y"))).isZero();
    }

    @Test
    void disjointKeysRunInParallel() throws Exception {
        Latches latches = new Latches(1024);
        byte[] x = k("x");
        byte[] y = k("y");
        assertThat(latches.slotOf(x)).isNotEqualTo(latches.slotOf(y));
        // Both commands must hold their latches at the same moment to pass the barrier.
        CyclicBarrier bothInside = new CyclicBarrier(2);
        List<Future<?>> runs = new ArrayList<>();
        for (byte[] key : List.of(x, y)) {
            runs.add(pool.submit(() -> {
                try (Latches.Guard g = latches.acquire(List.of(key))) {
                    bothInside.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
                }
                return null;
            }));
        }
        for (Future<?> run : runs) {
            run.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void waitersAreServedInArrivalOrder() throws Exception {
        Latches latches = new Latches(64);
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        byte[] key = k("hot");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch aIn = new CountDownLatch(1);
        holder(latches, List.of(key), aIn, release, order, "a");
        assertThat(aIn.await(DEADLINE_SECONDS, TimeUnit.SECONDS)).isTrue();
        List<CountDownLatch> ins = new ArrayList<>();
        List<Future<?>> waiters = new ArrayList<>();
        for (String name : List.of("b", "c", "d")) {
            CountDownLatch in = new CountDownLatch(1);
            ins.add(in);
            int expectedQueue = order.size() + ins.size();
            waiters.add(holder(latches, List.of(key), in, release, order, name));
            Await.until(() -> latches.queueLength(key) == expectedQueue, TestDeadline.DURATION, name + " queued");
        }
        release.countDown();
        for (Future<?> w : waiters) {
            w.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
        assertThat(order).containsExactly("a", "b", "c", "d");
    }

    @Test
    void concurrentCommandsNeverOverlapOnAKeyAndNeverDeadlock() throws Exception {
        // A small table so that slots are shared and commands cross each other's slot order.
        Latches latches = new Latches(8);
        int keyCount = 12;
        int threads = 6;
        int rounds = 300;
        AtomicInteger[] inUse = new AtomicInteger[keyCount];
        for (int i = 0; i < keyCount; i++) {
            inUse[i] = new AtomicInteger();
        }
        AtomicReference<String> violation = new AtomicReference<>();
        AtomicInteger completed = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<?>> runs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = 42L + t;
            runs.add(pool.submit(() -> {
                Random random = new Random(seed);
                start.await(DEADLINE_SECONDS, TimeUnit.SECONDS);
                for (int r = 0; r < rounds; r++) {
                    List<Integer> picked = new ArrayList<>();
                    int n = 1 + random.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        int key = random.nextInt(keyCount);
                        if (!picked.contains(key)) {
                            picked.add(key);
                        }
                    }
                    List<byte[]> keys = picked.stream().map(i -> k("key" + i)).toList();
                    try (Latches.Guard g = latches.acquire(keys)) {
                        for (int key : picked) {
                            if (inUse[key].incrementAndGet() != 1) {
                                violation.compareAndSet(null, "key" + key + " held twice");
                            }
                        }
                        for (int key : picked) {
                            inUse[key].decrementAndGet();
                        }
                    }
                    completed.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> run : runs) {
            run.get(DEADLINE_SECONDS, TimeUnit.SECONDS);
        }
        assertThat(violation.get()).isNull();
        assertThat(completed.get()).isEqualTo(threads * rounds);
    }

    @Test
    void interruptedWaiterLeavesNothingBehind() throws Exception {
        Latches latches = new Latches(64);
        byte[] key = k("k");
        Latches.Guard holder = latches.acquire(List.of(key, k("other")));
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                latches.acquire(List.of(key)).close();
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        waiter.start();
        Await.until(() -> latches.queueLength(key) == 2, TestDeadline.DURATION, "waiter queued");
        waiter.interrupt();
        waiter.join(TimeUnit.SECONDS.toMillis(DEADLINE_SECONDS));
        assertThat(waiter.isAlive()).isFalse();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(latches.queueLength(key)).isEqualTo(1);
        holder.close();
        holder.close(); // idempotent
        assertThat(latches.queueLength(key)).isZero();
        try (Latches.Guard again = latches.acquire(List.of(key, key))) {
            assertThat(latches.queueLength(key)).isEqualTo(1);
        }
    }

    @Test
    void aWaiterThatGivesUpReleasesWhatItTookAndLeavesTheQueue() throws Exception {
        Latches latches = new Latches(64);
        byte[] free = k("free");
        byte[] busy = k("busy");
        // Take the free key's slot first whichever order the slots sort in: hold only "busy".
        Latches.Guard holder = latches.acquire(List.of(busy));
        assertThat(latches.tryAcquire(List.of(free, busy), Duration.ofMillis(20)))
                .as("gave up")
                .isNull();
        assertThat(latches.queueLength(busy)).as("only the holder queued").isEqualTo(1);
        assertThat(latches.queueLength(free)).as("nothing left held").isZero();
        holder.close();
        try (Latches.Guard both = latches.tryAcquire(List.of(free, busy), Duration.ofMillis(20))) {
            assertThat(both).isNotNull();
            assertThat(latches.queueLength(busy)).isEqualTo(1);
        }
        assertThat(latches.queueLength(busy)).isZero();
    }

    @Test
    void slotCountMustBeAPowerOfTwo() {
        assertThatThrownBy(() -> new Latches(100))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two");
    }
}
