package io.tinykv.storage;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import java.time.Duration;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * How long a client is kept waiting for a write before it is told {@code server_is_busy}.
 *
 * <p>This bounds the <em>answer</em>, never the write: {@link Storage#writeAsync} completes only
 * once the write has applied or can no longer apply, and whatever a caller holds for the write
 * (latches, memory locks) must hang off that future, not off the bounded answer. A write still in
 * the Raft log when its answer times out may yet apply; the answer says so.
 *
 * <p>Why not {@link CompletableFuture#orTimeout}: it arms a timer per call, and on JDK 25 each one
 * is scheduled on, then cancelled from, the common pool's delay scheduler, whose thread woke about
 * twice per write (24,572 times in 12 s at one client; 87,000 in 20 s at 128). Every answer here
 * shares one timeout, so the order answers are bound in is the order they fall due: a FIFO queue
 * whose head {@link DeadlineSweeper} looks at every few milliseconds holds them all, and binding
 * an answer costs one queue insertion and wakes nobody.
 */
public final class AnswerDeadline {

    /** No bound: for storages whose writes complete at once (tests over a plain engine). */
    public static final AnswerDeadline NONE = new AnswerDeadline(Duration.ofDays(365), System::nanoTime, false);

    private final Duration timeout;
    private final long timeoutNanos;
    private final LongSupplier nanoClock;
    private final boolean expires;
    /** In the order bound, which is the order due; only {@link #expireOverdue} takes from it. */
    private final Queue<Waiting> waiting = new ConcurrentLinkedQueue<>();

    /**
     * A deadline whose overdue answers the JVM's {@link DeadlineSweeper} fails.
     *
     * @param timeout positive
     */
    public AnswerDeadline(Duration timeout) {
        this(timeout, System::nanoTime, true);
        DeadlineSweeper.shared().register(this);
    }

    /**
     * A deadline that nothing sweeps but its owner, through {@link #expireOverdue}: for tests that
     * drive the clock.
     */
    public static AnswerDeadline unswept(Duration timeout, LongSupplier nanoClock) {
        return new AnswerDeadline(timeout, nanoClock, true);
    }

    private AnswerDeadline(Duration timeout, LongSupplier nanoClock, boolean expires) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("an answer deadline must be positive, got " + timeout);
        }
        this.timeout = timeout;
        this.timeoutNanos = timeout.toNanos();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.expires = expires;
    }

    /** How long an answer may take. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * {@code pending}, failed with a {@link RegionException} carrying {@code server_is_busy} when it
     * has not completed within the timeout. {@code pending} itself is left alone: it still completes
     * when its work ends.
     */
    public <T> CompletableFuture<T> bound(CompletableFuture<T> pending, Kvrpcpb.Context ctx, String what) {
        return failWhenOverdue(pending.copy()).handle((value, failure) -> {
            if (failure == null) {
                return value;
            }
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TimeoutException) {
                throw busy(ctx, what);
            }
            throw cause instanceof RuntimeException r ? r : new CompletionException(cause);
        });
    }

    /**
     * {@code future} itself, completed exceptionally with a {@link TimeoutException} if it is still
     * pending once the timeout has passed (as {@code orTimeout} would, without its timer). For a
     * caller that must know when the answer was given up, e.g. to release what a late result holds.
     */
    public <T> CompletableFuture<T> failWhenOverdue(CompletableFuture<T> future) {
        if (expires && !future.isDone()) {
            waiting.add(new Waiting(future, nanoClock.getAsLong() + timeoutNanos));
        }
        return future;
    }

    /**
     * Fails every answer whose deadline has passed and forgets those already given; called by the
     * sweeper only (one taker keeps the look-then-take at the head safe).
     *
     * @return how many answers this call failed
     */
    public int expireOverdue() {
        long now = nanoClock.getAsLong();
        int failed = 0;
        for (Waiting head = waiting.peek(); head != null; head = waiting.peek()) {
            boolean done = head.answer().isDone();
            // Bound in order, so due in order: the first one neither given nor due ends the sweep.
            if (!done && head.dueNanos() - now > 0) {
                break;
            }
            waiting.poll();
            if (!done && head.answer().completeExceptionally(new TimeoutException())) {
                failed++;
            }
        }
        return failed;
    }

    /** Answers bound and not yet swept away (given or not): what the sweeper still has to look at. */
    int waitingCount() {
        return waiting.size();
    }

    /** The error for a client whose {@code what} on the context's region took longer than the timeout. */
    public RegionException busy(Kvrpcpb.Context ctx, String what) {
        return new RegionException(Errorpb.Error.newBuilder()
                .setMessage(what + " on region " + ctx.getRegionId() + " not done within " + timeout.toMillis()
                        + " ms; a write among it may still apply")
                .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason(what + " timed out"))
                .build());
    }

    private record Waiting(CompletableFuture<?> answer, long dueNanos) {}
}
