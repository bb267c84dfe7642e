package io.tinykv.testkit.exec;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * An executor that runs nothing until the test says so: what a component hands to its executor
 * stays queued, so a test can see that a task was (or was not) handed over, and choose when it
 * runs. Any thread may queue; {@link #runAll} runs on the caller's thread.
 */
public final class ManualExecutor implements Executor {

    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs queued tasks, and the tasks they queue, until none is left. */
    public void runAll() {
        for (Runnable task; (task = tasks.poll()) != null; ) {
            task.run();
        }
    }

    /** How many tasks wait to be run. */
    public int queued() {
        return tasks.size();
    }
}
