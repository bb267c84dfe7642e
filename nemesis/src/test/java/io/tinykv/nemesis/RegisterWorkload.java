package io.tinykv.nemesis;

import io.tinykv.testkit.linear.RegisterOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Client threads doing RawKV gets and puts on a few shared registers (every operation recorded with
 * its invoke and complete times for the linearizability checker) and puts of keys of their own (each
 * acknowledged one remembered, to be found again after the run). The nemesis moves the workload from
 * phase to phase; an operation belongs to the phase it started in.
 */
final class RegisterWorkload implements PhasedWorkload, AutoCloseable {
    /** Out of 100: how many operations are reads; of the rest, every {@value #UNIQUE_EVERY}th writes a key of its own. */
    private static final int READ_PERCENT = 40;

    private static final int UNIQUE_EVERY = 3;
    private static final int FINAL_READER = -1;

    private final RegisterClient client;
    private final int registerKeys;
    private final Availability availability = new Availability();
    private final List<Thread> threads = new ArrayList<>();
    private final List<RegisterPhase> phases = new ArrayList<>();
    private volatile RegisterPhase current;
    private volatile boolean stopped;

    /** @param registerKeys how many shared registers each phase has */
    RegisterWorkload(RegisterClient client, int registerKeys) {
        this.client = client;
        this.registerKeys = registerKeys;
    }

    @Override
    public String name() {
        return client.name() + " registers";
    }

    @Override
    public synchronized void beginPhase(String name, String prefix) {
        RegisterPhase phase = new RegisterPhase(name, prefix + "/" + client.name(), registerKeys);
        phases.add(phase);
        availability.startPhase();
        current = phase;
    }

    @Override
    public long phaseSuccesses() {
        RegisterPhase phase = current;
        return phase == null ? 0 : phase.ok.get();
    }

    @Override
    public long endPhase() {
        return availability.endPhase();
    }

    void start(int threadCount, long seed) {
        if (current == null) {
            throw new IllegalStateException("begin a phase before starting the clients");
        }
        for (int t = 0; t < threadCount; t++) {
            int process = t;
            SplittableRandom random = new SplittableRandom(seed + t);
            Thread thread = new Thread(() -> run(process, random), client.name() + "-register-" + t);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private void run(int process, SplittableRandom random) {
        long seq = 0;
        while (!stopped) {
            seq++;
            RegisterPhase phase = current;
            String key = phase.keys().get(random.nextInt(phase.keys().size()));
            if (seq % UNIQUE_EVERY == 0) {
                String own = phase.prefix() + "/own/" + process + "/" + seq;
                String value = "v" + process + "-" + seq;
                try {
                    client.put(own, value);
                    phase.acknowledge(own, value);
                    succeeded(phase);
                } catch (RuntimeException e) {
                    phase.failed.incrementAndGet();
                }
            } else if (random.nextInt(100) < READ_PERCENT) {
                long invoke = System.nanoTime();
                try {
                    Optional<String> value = client.get(key);
                    phase.record(RegisterOp.get(
                            phase.nextId(), process, key, value.orElse(null), invoke, System.nanoTime()));
                    succeeded(phase);
                } catch (RuntimeException e) {
                    phase.failed.incrementAndGet(); // a failed read tells nothing
                }
            } else {
                String value = "p" + process + "-" + seq;
                long invoke = System.nanoTime();
                try {
                    client.put(key, value);
                    // Both clients retry a RawKV put after a timeout or a lost leader, and both
                    // attempts may apply (a RawKV put carries no id to tell them apart): it may repeat.
                    phase.record(RegisterOp.retriedPut(phase.nextId(), process, key, value, invoke, System.nanoTime()));
                    succeeded(phase);
                } catch (RuntimeException e) {
                    // It may have taken effect: the checker treats it as open-ended.
                    phase.record(
                            RegisterOp.retriedPut(phase.nextId(), process, key, value, invoke, RegisterOp.UNKNOWN));
                    phase.failed.incrementAndGet();
                }
            }
        }
    }

    private void succeeded(RegisterPhase phase) {
        phase.ok.incrementAndGet();
        availability.succeeded();
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

    List<RegisterPhase> phases() {
        return List.copyOf(phases);
    }

    /** After the run, on a healthy cluster: one more read of every register of a phase, into its history. */
    void finalReads(RegisterPhase phase) {
        for (String key : phase.keys()) {
            long invoke = System.nanoTime();
            Optional<String> value = client.get(key);
            phase.record(
                    RegisterOp.get(phase.nextId(), FINAL_READER, key, value.orElse(null), invoke, System.nanoTime()));
        }
    }

    /** Acknowledged writes of keys of their own that read back missing or different: lost writes. */
    List<String> lostWrites(RegisterPhase phase) {
        List<String> lost = new ArrayList<>();
        phase.acknowledged().forEach((key, value) -> {
            Optional<String> found = client.get(key);
            if (!found.equals(Optional.of(value))) {
                lost.add(key + " acknowledged " + value + " but reads " + found.orElse("nothing"));
            }
        });
        return lost;
    }

    @Override
    public void close() {
        stopped = true;
    }
}
