package io.tinykv.storage;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * TEST SEAM: a {@link ProcessHalter} that records the halt instead of stopping the JVM, so a test
 * can assert that a failure halted and that nothing after it ran. Thread-safe.
 */
public final class HaltRecorder implements ProcessHalter {

    /** One recorded halt. */
    public record Halt(String path, Throwable cause) {}

    private final List<Halt> halts = new CopyOnWriteArrayList<>();

    @Override
    public HaltedException halt(String path, Throwable cause) {
        halts.add(new Halt(path, cause));
        synchronized (this) {
            notifyAll();
        }
        return new HaltedException(path, cause);
    }

    public List<Halt> halts() {
        return List.copyOf(halts);
    }

    /**
     * Waits until a halt was recorded (for halts on other threads).
     *
     * @return the first halt
     * @throws AssertionError when none came within the deadline
     */
    public Halt awaitHalt(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            while (halts.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no halt within " + timeout + " " + unit);
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        }
        return halts.get(0);
    }
}
