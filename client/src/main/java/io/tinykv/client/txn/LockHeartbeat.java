package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.Failures;
import io.tinykv.proto.Kvrpcpb;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a committing transaction's locks alive (TiKV clients' TTL manager): while it runs, the
 * primary lock's TTL is pushed to {@code elapsed since start + lock TTL} every third of the lock
 * TTL with {@code KvTxnHeartBeat}, so a commit that takes longer than the TTL (a slow prewrite of
 * many regions, a pause before the primary's commit) is not rolled back by a reader that finds its
 * locks expired. Expiry counts from the start ts (TiKV's rule), hence the elapsed time in the TTL.
 *
 * <p>Runs on the client's heartbeat thread from {@link #start} until {@link #close}. A heartbeat
 * that fails is only logged: the next one tries again, and a transaction whose primary lock is gone
 * (committed, or rolled back by someone) learns that from its commit, not from here.
 */
final class LockHeartbeat implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LockHeartbeat.class);
    /** Heartbeats per lock TTL: two may be lost before the lock could expire. */
    static final int BEATS_PER_TTL = 3;

    private final TxnEnv env;
    private final long startTs;
    private final ByteString primary;
    private final long beganAtMs;
    private final ScheduledFuture<?> task;
    private volatile long lastTtlMs;

    private LockHeartbeat(TxnEnv env, long startTs, ByteString primary, long beganAtMs) {
        this.env = env;
        this.startTs = startTs;
        this.primary = primary;
        this.beganAtMs = beganAtMs;
        long intervalMs = Math.max(1, env.lockTtlMs() / BEATS_PER_TTL);
        this.task = env.heartbeats().scheduleWithFixedDelay(this::beat, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
    }

    static LockHeartbeat start(TxnEnv env, long startTs, ByteString primary, long beganAtMs) {
        return new LockHeartbeat(env, startTs, primary, beganAtMs);
    }

    /** The TTL the store last confirmed for the primary lock (0 before the first answer). */
    long lastTtlMs() {
        return lastTtlMs;
    }

    void beat() {
        long adviseTtlMs = Math.max(0, env.clock().nowMillis() - beganAtMs) + env.lockTtlMs();
        try {
            Kvrpcpb.TxnHeartBeatResponse response = env.router()
                    .sendForKey(
                            "txnHeartBeat",
                            primary,
                            (stub, ctx) -> stub.kvTxnHeartBeat(Kvrpcpb.TxnHeartBeatRequest.newBuilder()
                                    .setContext(ctx)
                                    .setPrimaryLock(primary)
                                    .setStartVersion(startTs)
                                    .setAdviseLockTtl(adviseTtlMs)
                                    .build()),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            env.newBackoff());
            if (response.hasError()) {
                LOG.debug(
                        "heartbeat of txn {}: {}",
                        Long.toUnsignedString(startTs),
                        Failures.describe(response.getError()));
                return;
            }
            lastTtlMs = response.getLockTtl();
        } catch (RuntimeException e) {
            LOG.debug("heartbeat of txn {} failed: {}", Long.toUnsignedString(startTs), e.getMessage());
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
