package io.tinykv.storage;

import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How long a client is kept waiting for a write before it is told {@code server_is_busy}.
 *
 * <p>This bounds the <em>answer</em>, never the write: {@link Storage#writeAsync} completes only
 * once the write has applied or can no longer apply, and whatever a caller holds for the write
 * (latches, memory locks) must hang off that future, not off the bounded answer. A write still in
 * the Raft log when its answer times out may yet apply; the answer says so.
 *
 * @param timeout positive; {@link #NONE}'s is effectively unbounded
 */
public record AnswerDeadline(Duration timeout) {

    /** No bound: for storages whose writes complete at once (tests over a plain engine). */
    public static final AnswerDeadline NONE = new AnswerDeadline(Duration.ofDays(365));

    public AnswerDeadline {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("an answer deadline must be positive, got " + timeout);
        }
    }

    /**
     * {@code pending}, failed with a {@link RegionException} carrying {@code server_is_busy} when it
     * has not completed within the timeout. {@code pending} itself is left alone: it still completes
     * when its work ends.
     */
    public <T> CompletableFuture<T> bound(CompletableFuture<T> pending, Kvrpcpb.Context ctx, String what) {
        return pending.copy().orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS).handle((value, failure) -> {
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

    /** The error for a client whose {@code what} on the context's region took longer than the timeout. */
    public RegionException busy(Kvrpcpb.Context ctx, String what) {
        return new RegionException(Errorpb.Error.newBuilder()
                .setMessage(what + " on region " + ctx.getRegionId() + " not done within " + timeout.toMillis()
                        + " ms; a write among it may still apply")
                .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason(what + " timed out"))
                .build());
    }
}
