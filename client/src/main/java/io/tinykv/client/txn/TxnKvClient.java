package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.ChannelPool;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.Keys;
import io.tinykv.client.PdException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.WriteConflictException;
import io.tinykv.client.pd.PdClient;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.client.region.RegionCache;
import io.tinykv.client.region.RegionKeyCodec;
import io.tinykv.client.region.RegionRequestSender;
import io.tinykv.client.region.RegionRouter;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.security.ChannelFactory;
import java.util.List;
import java.util.Objects;

/**
 * A transactional client: snapshot-isolated, multi-key, cross-region transactions with Percolator's
 * two-phase commit, over TiKV's Kv* RPCs. Each {@link #begin} starts a {@link Transaction}.
 *
 * <pre>{@code
 * try (TxnKvClient client = TxnKvClient.create(ClientConfig.of(List.of("127.0.0.1:2379")))) {
 *   while (true) {
 *     try (Transaction txn = client.begin()) {
 *       long balance = decode(txn.get(account).orElseThrow());
 *       txn.put(account, encode(balance + 10));
 *       txn.commit();
 *       break;
 *     } catch (WriteConflictException e) {
 *       // someone else wrote the account first: run the whole transaction again
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p>What is retried and what is reported:
 * <ul>
 *   <li>Region errors and unreachable stores: retried within the backoff budget as by
 *       {@link RawKvClient} (every transactional request is idempotent: reads, prewrites of the same
 *       transaction, commits and rollbacks).</li>
 *   <li>A prewrite, commit or rollback that gets no answer within {@link ClientConfig#kvTimeoutMs}
 *       (DEADLINE_EXCEEDED): sent again to the region's current leader (asked of PD) after a backoff,
 *       within {@link ClientConfig#backoffBudgetMs} of that phase, time spent waiting for answers
 *       included, as TiKV's clients do. A slow store then costs a retry, not the transaction. Reads
 *       (get, batchGet, scan) that time out are sent again the same way: they have no effect.</li>
 *   <li>Locks of other transactions met by reads or prewrites: resolved through the lock's primary
 *       (committed: commit the key; rolled back or TTL expired: roll it back; alive: a reader pushes
 *       the transaction's commit ts above its snapshot and reads past the lock where the lock allows,
 *       and waits otherwise, as a writer always does).</li>
 *   <li>Write conflicts: {@link WriteConflictException}; the client does not rerun transactions,
 *       only the caller knows whether its transaction may be run again.</li>
 *   <li>The commit's outcome is never guessed: {@link TxnAbortedException} means definitely not
 *       committed, {@link CommitUnknownException} means it may have committed (the commit of its
 *       primary was tried until the budget ran out without a definite answer).</li>
 * </ul>
 *
 * <p>Keys are routed like TiKV's client in transactional (API V1) mode does: transactional data is
 * stored under memcomparable-encoded user keys and regions are split only at encoded user keys, so
 * this client asks PD with encoded keys and decodes the boundaries it learns ({@link RegionKeyCodec});
 * the requests themselves carry user keys. Use it on a cluster in TXN key mode (or one that was never
 * split at raw keys).
 *
 * <p>Thread-safe; meant to be shared. Each transaction belongs to one thread.
 */
public final class TxnKvClient implements AutoCloseable {
    /**
     * How long a transaction's locks stay alive without it committing, after which other transactions
     * roll it back. As TiKV's clients' default for small transactions: long enough for a commit
     * over a slow network, short enough that a crashed client blocks others only briefly.
     */
    public static final long DEFAULT_LOCK_TTL_MS = 3_000;
    /** How often the oldest open transaction is registered with PD: well below PD's gc-life-time (10 min). */
    static final long GC_REGISTER_INTERVAL_MS = 10_000;
    /** How long a registration outlives a client that stopped refreshing it. */
    static final long GC_REGISTER_TTL_SECONDS = 60;

    private final TxnEnv env;
    private final ChannelPool channels;

    private TxnKvClient(TxnEnv env, ChannelPool channels) {
        this.env = env;
        this.channels = channels;
    }

    /**
     * Whether transactions whose keys all lie in one region commit in one phase unless told otherwise:
     * yes, as TiDB's {@code tidb_enable_1pc} defaults to on.
     */
    public static final boolean DEFAULT_TRY_ONE_PC = true;

    /**
     * Whether transactions commit with async commit (when they cannot in one phase and are small
     * enough) unless told otherwise: not yet; TiDB's {@code tidb_enable_async_commit} defaults to on.
     */
    public static final boolean DEFAULT_ASYNC_COMMIT = false;

    /** Connects with plain-text gRPC channels, the real clock and the default lock TTL. */
    public static TxnKvClient create(ClientConfig config) {
        return create(config, ChannelFactory.plaintext(), Clock.system(), DEFAULT_LOCK_TTL_MS);
    }

    /** As {@link #create(ClientConfig, ChannelFactory, Clock, long, boolean)} with 1PC as by default. */
    public static TxnKvClient create(ClientConfig config, ChannelFactory channelFactory, Clock clock, long lockTtlMs) {
        return create(config, channelFactory, clock, lockTtlMs, DEFAULT_TRY_ONE_PC);
    }

    /**
     * Connects to PD (failing at once if no configured PD answers).
     *
     * @param lockTtlMs how long this client's locks outlive a silent client, in TSO milliseconds
     * @param tryOnePc  whether a transaction whose keys all lie in one region asks the store to commit it
     *                  in one phase (1PC: one round trip, no commit ts from PD); the store falls back to
     *                  two phases when it cannot, and the transaction goes on as two-phase
     * @throws PdException when no configured PD answers
     */
    public static TxnKvClient create(
            ClientConfig config, ChannelFactory channelFactory, Clock clock, long lockTtlMs, boolean tryOnePc) {
        return create(config, channelFactory, clock, lockTtlMs, tryOnePc, DEFAULT_ASYNC_COMMIT);
    }

    /**
     * As {@link #create(ClientConfig, ChannelFactory, Clock, long, boolean)}, choosing async commit too.
     *
     * @param asyncCommit whether a transaction that does not commit in one phase and has at most
     *                    {@link TwoPhaseCommitter#ASYNC_COMMIT_MAX_KEYS} keys uses async commit: the
     *                    stores pick its commit ts during the prewrite, the commit is reported once all
     *                    prewrites succeeded and the keys are committed in the background; the stores may
     *                    decline, and the transaction goes on as two-phase
     */
    public static TxnKvClient create(
            ClientConfig config,
            ChannelFactory channelFactory,
            Clock clock,
            long lockTtlMs,
            boolean tryOnePc,
            boolean asyncCommit) {
        Objects.requireNonNull(config, "config");
        if (lockTtlMs <= 0) {
            throw new IllegalArgumentException("lockTtlMs must be > 0, got " + lockTtlMs);
        }
        ChannelPool channels = new ChannelPool(channelFactory);
        java.util.concurrent.ScheduledExecutorService heartbeats =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform()
                        .daemon()
                        .name("tinykv-txn-heartbeat")
                        .factory());
        // The second phase of async-commit transactions: mostly waiting on stores, so virtual threads.
        java.util.concurrent.ExecutorService background = java.util.concurrent.Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("tinykv-txn-async-commit-", 0).factory());
        try {
            PdClient pd = PdClient.connect(config, channels, clock, RegionKeyCodec.TXN);
            RegionCache cache = new RegionCache(pd);
            RegionRequestSender sender = new RegionRequestSender(cache, channels, config.kvTimeoutMs());
            RegionRouter router = new RegionRouter(cache, sender, config.batchSizeKeys());
            LockResolver resolver = new LockResolver(pd, router);
            OpenTransactions open = new OpenTransactions("tinykv-client-" + java.util.UUID.randomUUID());
            TxnEnv env = new TxnEnv(
                    config,
                    clock,
                    pd,
                    router,
                    resolver,
                    lockTtlMs,
                    heartbeats,
                    open,
                    tryOnePc,
                    asyncCommit,
                    background);
            heartbeats.scheduleWithFixedDelay(
                    () -> open.register(pd, GC_REGISTER_TTL_SECONDS),
                    GC_REGISTER_INTERVAL_MS,
                    GC_REGISTER_INTERVAL_MS,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
            return new TxnKvClient(env, channels);
        } catch (RuntimeException e) {
            heartbeats.shutdownNow();
            background.shutdownNow();
            channels.close();
            throw e;
        }
    }

    /**
     * Starts a transaction reading the snapshot of a fresh timestamp from PD.
     *
     * @throws PdException when PD gives no timestamp
     */
    public Transaction begin() {
        long beganAtMs = env.clock().nowMillis();
        long startTs = env.pd().getTimestamp();
        env.openTransactions().opened(startTs);
        return new Transaction(env, startTs, beganAtMs);
    }

    /**
     * Splits the region holding the user key {@code key} so that a region starts at it, as TiKV's client
     * does in transactional mode: the store is sent the user key with {@code is_raw_kv} false and splits
     * at its memcomparable encoding, the boundary of transactional data. Answers the regions of the split
     * with their boundaries decoded into user keys.
     *
     * @throws KeyValueException when the store refuses the key (e.g. a region already starts at it)
     */
    public List<Metapb.Region> splitRegion(ByteString key) {
        Objects.requireNonNull(key, "key");
        Kvrpcpb.SplitRegionResponse response = env.router()
                .sendForKey(
                        "splitRegion",
                        key,
                        (stub, ctx) -> stub.splitRegion(Kvrpcpb.SplitRegionRequest.newBuilder()
                                .setContext(ctx)
                                .addSplitKeys(key)
                                .setIsRawKv(false)
                                .build()),
                        r -> r.hasRegionError() ? r.getRegionError() : null,
                        env.newBackoff());
        if (response.getErrorsCount() > 0) {
            throw new KeyValueException("split at " + Keys.describe(key) + ": "
                    + response.getErrors(0).getAbort());
        }
        return response.getRegionsList().stream().map(env.pd()::fromStore).toList();
    }

    /** Closes the connections; transactions still open fail from then on. */
    @Override
    public void close() {
        env.heartbeats().shutdownNow();
        // Second phases still running get the time of one backoff budget; their transactions are
        // committed already, and readers finish whatever is left (LockResolver).
        if (env.background() instanceof java.util.concurrent.ExecutorService pool) {
            pool.shutdown();
            try {
                pool.awaitTermination(env.config().backoffBudgetMs(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pool.shutdownNow();
        }
        // Withdraw this client's claim on the GC safe point before the connection goes.
        if (env.openTransactions().oldest().isPresent()) {
            try {
                env.pd().updateServiceGcSafePoint(env.openTransactions().serviceId(), 0, 0);
            } catch (RuntimeException e) {
                // It expires by itself.
            }
        }
        env.pd().close();
        channels.close();
    }
}
