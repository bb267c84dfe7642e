package io.tinykv.raftstore;

import io.tinykv.proto.RaftCmdpb.RaftCmdRequest;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the answer to one Raft command goes. Completed exactly once: with the command's response
 * once applied (or served, for reads), or with an error (NotLeader, StaleCommand, RegionNotFound,
 * ...).
 *
 * <p>A second completion is a bug in the raftstore, but the command's waiter already has its
 * answer: it is logged as an error naming the command and both results, and dropped. Throwing
 * would kill the Raft thread, and with it every region of the store, for a bookkeeping slip.
 *
 * <p>The consumer runs on the Raft thread: it must be quick and must not block (hand the result to
 * a future, a queue, or the simulator's event loop).
 */
public final class Callback {

    private static final Logger LOG = LoggerFactory.getLogger(Callback.class);

    private final Consumer<CmdResult> consumer;
    /** The command answered, for the error line of a double completion; null when not known. */
    private final RaftCmdRequest command;

    private final AtomicBoolean done = new AtomicBoolean();
    private volatile CmdResult first;

    public Callback(Consumer<CmdResult> consumer) {
        this(null, consumer);
    }

    /** A callback answering {@code command} (named in the log should it be completed twice). */
    public Callback(RaftCmdRequest command, Consumer<CmdResult> consumer) {
        this.command = command;
        this.consumer = Objects.requireNonNull(consumer, "consumer");
    }

    /**
     * Delivers {@code result}, unless this callback was already completed: then the result is
     * logged as a bug and dropped (its snapshot, if any, released).
     *
     * @return whether this call delivered the result
     */
    public boolean complete(CmdResult result) {
        Objects.requireNonNull(result, "result");
        if (!done.compareAndSet(false, true)) {
            LOG.error(
                    "BUG: callback completed twice; command {}; first result {}; second result {} (dropped)",
                    describe(command),
                    first == null ? "(being delivered)" : first.response(),
                    result.response(),
                    new IllegalStateException("second completion"));
            if (result.snapshot() != null) {
                result.snapshot().close();
            }
            return false;
        }
        first = result;
        consumer.accept(result);
        return true;
    }

    /** Region, kinds of requests and admin command: enough to find the command, no user values. */
    static String describe(RaftCmdRequest command) {
        if (command == null) {
            return "(not recorded)";
        }
        StringBuilder text =
                new StringBuilder("[region ").append(command.getHeader().getRegionId());
        if (command.getRequestsCount() > 0) {
            text.append(", requests ")
                    .append(command.getRequestsList().stream()
                            .map(r -> r.getCmdType().name())
                            .toList());
        }
        if (command.hasAdminRequest()) {
            text.append(", admin ").append(command.getAdminRequest().getCmdType());
        }
        return text.append(']').toString();
    }
}
