package io.tinykv.compat;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.KeyLockedException;
import io.tinykv.client.PdException;
import io.tinykv.client.RegionUnavailableException;
import io.tinykv.client.RpcException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A step a test needs done once through our client (a setup write, a warm-up, a read of what the test
 * wrote), done again while it fails in a way a loaded machine causes and the test does not check: a
 * store call past the client's deadline, a region that stayed unavailable through the client's backoff
 * budget (an election, a split, a busy store), PD unanswered, a transaction rolled back. Any other
 * failure (a store's error for the request, a region error retrying cannot fix) ends the wait at once:
 * it is not the machine's load. The step must be safe to do more than once.
 */
final class UntilDone {
    /** gRPC codes of a call that did not get an answer in time (or at all), not of a wrong request. */
    private static final Set<Status.Code> TRANSIENT_CODES = Set.of(
            Status.Code.DEADLINE_EXCEEDED,
            Status.Code.UNAVAILABLE,
            Status.Code.RESOURCE_EXHAUSTED,
            Status.Code.CANCELLED);

    private UntilDone() {}

    /** The step's result once it succeeds; an {@link AssertionError} with its last failure past the deadline. */
    static <T> T value(String what, Duration deadline, Supplier<T> step) {
        AtomicReference<String> lastFailure = new AtomicReference<>("none");
        AtomicReference<T> result = new AtomicReference<>();
        Await.until(
                () -> {
                    try {
                        result.set(step.get());
                        return true;
                    } catch (TinyKvException e) {
                        if (!isTransient(e)) {
                            throw e;
                        }
                        lastFailure.set(e.toString());
                        return false;
                    }
                },
                deadline,
                () -> what + "; last failure: " + lastFailure.get());
        return result.get();
    }

    /** Runs the step until it succeeds, as {@link #value}. */
    static void run(String what, Duration deadline, Runnable step) {
        value(what, deadline, () -> {
            step.run();
            return Boolean.TRUE;
        });
    }

    /** Whether the failure is one a loaded machine causes, after which the same step may succeed. */
    static boolean isTransient(TinyKvException e) {
        return switch (e) {
            case RegionUnavailableException unavailable -> true;
            case PdException pd -> true;
            case TxnAbortedException aborted -> true;
            case CommitUnknownException unknown -> true;
            case KeyLockedException locked -> true;
            case RpcException rpc ->
                rpc.getCause() instanceof StatusRuntimeException grpc
                        && TRANSIENT_CODES.contains(grpc.getStatus().getCode());
            default -> false;
        };
    }
}
