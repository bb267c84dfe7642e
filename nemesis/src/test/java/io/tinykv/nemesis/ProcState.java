package io.tinykv.nemesis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * A process's scheduling state from {@code /proc/<pid>/stat} ('R' running, 'S' sleeping, 'T' stopped
 * by a signal, ...): the evidence that SIGSTOP and SIGCONT took effect.
 */
final class ProcState {
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    private ProcState() {}

    /** The state letter, or '?' when the process is gone. */
    static char of(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (comm) S ...": comm may hold spaces and parentheses, the state follows the last ')'.
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    /** Waits (a signal is delivered asynchronously) until the state is {@code wanted}; returns the last state seen. */
    static char awaitState(long pid, char wanted, Duration timeout) {
        return await(pid, timeout, state -> state == wanted);
    }

    static char awaitStateOtherThan(long pid, char unwanted, Duration timeout) {
        return await(pid, timeout, state -> state != unwanted);
    }

    private static char await(long pid, Duration timeout, java.util.function.IntPredicate done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        char state = of(pid);
        while (!done.test(state) && state != '?' && System.nanoTime() < deadline) {
            LockSupport.parkNanos(POLL_NANOS);
            state = of(pid);
        }
        return state;
    }
}
