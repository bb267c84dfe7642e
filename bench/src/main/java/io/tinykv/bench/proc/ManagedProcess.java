package io.tinykv.bench.proc;

import java.time.Duration;

/** A process the benchmark started and must stop. */
public interface ManagedProcess {

    String name();

    long pid();

    boolean isAlive();

    /**
     * Asks the process and everything it spawned to exit (SIGTERM), waits up to {@code grace},
     * then kills what is left. Safe to call more than once and on a process that already exited.
     */
    void stop(Duration grace) throws InterruptedException;
}
