package io.tinykv.raftstore;

/**
 * A task for the store's workers that says what it makes durable, so that its failure halts the
 * process with a line naming it ({@link FailStopExecutor}).
 */
public record WorkerTask(String what, Runnable body) implements Runnable {

    @Override
    public void run() {
        body.run();
    }
}
