package io.tinykv.bench.driver;

import io.tinykv.client.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.function.IntConsumer;

/**
 * The benchmark's client threads: starts them, lets the coordinator wait for them (on the
 * {@link Clock}, so virtual time works), and remembers the first client that died of something
 * other than a failed operation.
 */
public final class ClientGroup {

    private final Clock clock;
    private final Object monitor = new Object();
    private final List<Thread> threads = new ArrayList<>();
    private int running;
    private Throwable firstCrash;

    public ClientGroup(Clock clock, ThreadFactory factory, int clients, IntConsumer body) {
        this.clock = clock;
        this.running = clients;
        for (int i = 0; i < clients; i++) {
            int clientIndex = i;
            threads.add(factory.newThread(() -> runClient(body, clientIndex)));
        }
    }

    public void start() {
        threads.forEach(Thread::start);
    }

    private void runClient(IntConsumer body, int clientIndex) {
        try {
            body.accept(clientIndex);
        } catch (Throwable t) {
            synchronized (monitor) {
                if (firstCrash == null) {
                    firstCrash = t;
                }
            }
        } finally {
            synchronized (monitor) {
                running--;
                monitor.notifyAll();
            }
        }
    }

    /** Waits until every client has finished or the clock reaches {@code deadlineNanos}; true if all finished. */
    public boolean awaitUntil(long deadlineNanos) throws InterruptedException {
        synchronized (monitor) {
            while (running > 0 && clock.nanoTime() < deadlineNanos) {
                clock.waitOn(monitor, deadlineNanos);
            }
            return running == 0;
        }
    }

    public void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    public Throwable firstCrash() {
        synchronized (monitor) {
            return firstCrash;
        }
    }
}
