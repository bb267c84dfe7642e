package io.tinykv.raftstore;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Where the answer to one Raft command goes. Completed exactly once: with the command's response
 * once applied (or served, for reads), or with an error (NotLeader, StaleCommand, RegionNotFound,
 * ...). A second completion is a bug in the raftstore and fails loudly.
 *
 * <p>The consumer runs on the Raft thread: it must be quick and must not block (hand the result to
 * a future, a queue, or the simulator's event loop).
 */
public final class Callback {

    private final Consumer<CmdResult> consumer;
    private final AtomicBoolean done = new AtomicBoolean();

    public Callback(Consumer<CmdResult> consumer) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
    }

    /**
     * Delivers {@code result}.
     *
     * @throws IllegalStateException when this callback was already completed
     */
    public void complete(CmdResult result) {
        Objects.requireNonNull(result, "result");
        if (!done.compareAndSet(false, true)) {
            throw new IllegalStateException("callback completed twice; second result: " + result.response());
        }
        consumer.accept(result);
    }

    public boolean isDone() {
        return done.get();
    }
}
