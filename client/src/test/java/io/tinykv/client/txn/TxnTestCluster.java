package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.Clock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.TxnFaults;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.StandaloneStorage;
import io.tinykv.testkit.storage.LeaderStorage;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.concurrency.ConcurrencyManager;
import io.tinykv.txn.concurrency.MaxTsSync;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.KeyRange;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A fake cluster whose stores run the real transaction commands over one real RocksDB storage:
 * {@link FakeCluster} regions and PD, {@link TxnStoreService} stores, {@link TxnFaults} to break RPCs.
 */
public final class TxnTestCluster implements AutoCloseable {
    private static final long BLOCK_CACHE_BYTES = 8L << 20;

    private final FakeCluster cluster;
    private final StandaloneStorage storage;
    private final TxnCommands commands;
    private final TxnFaults faults = new TxnFaults();
    private final FakeEnv env;

    /** Stores that never commit in one phase (their snapshots come from no elected leader). */
    public TxnTestCluster(FakeCluster cluster, Path dataDir) {
        this(cluster, dataDir, false);
    }

    /**
     * @param onePc whether the stores commit 1PC prewrites: their snapshots then carry a leader term, and
     *              their max ts needs no sync from TSO (every store here shares one storage and one
     *              concurrency manager, which has seen every read)
     */
    public TxnTestCluster(FakeCluster cluster, Path dataDir, boolean onePc) {
        this.cluster = cluster;
        this.storage =
                StandaloneStorage.open(dataDir, EngineConfig.defaults().withBlockCacheSizeBytes(BLOCK_CACHE_BYTES));
        this.commands = onePc
                ? new TxnCommands(
                        new LeaderStorage(storage, 1),
                        new Latches(),
                        this::regionRange,
                        new SafePointGuard(),
                        new MaxTsSync(new ConcurrencyManager(), () -> CompletableFuture.completedFuture(0L)))
                : new TxnCommands(storage, new Latches(), this::regionRange);
        this.env = new FakeEnv(cluster, 1, storeId -> new TxnStoreService(cluster, storeId, commands, faults));
    }

    private KeyRange regionRange(io.tinykv.proto.Kvrpcpb.Context ctx) {
        FakeCluster.Region region = cluster.regionById(ctx.getRegionId());
        if (region == null) {
            throw new RegionException(Errorpb.Error.newBuilder()
                    .setMessage("region not found")
                    .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(ctx.getRegionId()))
                    .build());
        }
        return new KeyRange(
                userKey(region.meta().getStartKey()), userKey(region.meta().getEndKey()));
    }

    /** A boundary of transactional data is an encoded user key; the empty one stays empty. */
    private static byte[] userKey(ByteString boundary) {
        return boundary.isEmpty()
                ? new byte[0]
                : MemComparableCodec.decode(boundary).toByteArray();
    }

    public FakeCluster cluster() {
        return cluster;
    }

    public FakeEnv env() {
        return env;
    }

    TxnCommands commands() {
        return commands;
    }

    public TxnFaults faults() {
        return faults;
    }

    public TxnKvClient client(Clock clock, long backoffBudgetMs) {
        return TxnKvClient.create(
                env.config(backoffBudgetMs), env.channelFactory(), clock, TxnKvClient.DEFAULT_LOCK_TTL_MS);
    }

    /** A client that asks for 1PC ({@code tryOnePc}) or never does. */
    public TxnKvClient client(Clock clock, long backoffBudgetMs, boolean tryOnePc) {
        return TxnKvClient.create(
                env.config(backoffBudgetMs), env.channelFactory(), clock, TxnKvClient.DEFAULT_LOCK_TTL_MS, tryOnePc);
    }

    /** A client that asks for 1PC and for async commit as told. */
    public TxnKvClient client(Clock clock, long backoffBudgetMs, boolean tryOnePc, boolean asyncCommit) {
        return TxnKvClient.create(
                env.config(backoffBudgetMs),
                env.channelFactory(),
                clock,
                TxnKvClient.DEFAULT_LOCK_TTL_MS,
                tryOnePc,
                asyncCommit);
    }

    /**
     * The status of the transaction {@code startTs} at its primary (a key of region 1) as the store records
     * it: the commit ts, or 0 when it is not committed. Changes nothing.
     */
    public long committedAt(String primary, long startTs) {
        io.tinykv.proto.Kvrpcpb.CheckTxnStatusResponse status =
                commands.checkTxnStatus(io.tinykv.proto.Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                        .setContext(io.tinykv.proto.Kvrpcpb.Context.newBuilder().setRegionId(1))
                        .setPrimaryKey(utf8(primary))
                        .setLockTs(startTs)
                        .setCallerStartTs(0)
                        .setCurrentTs(0)
                        .build());
        if (status.hasError()) {
            throw new AssertionError("status of txn " + startTs + ": " + status.getError());
        }
        return status.getCommitVersion();
    }

    public static ByteString utf8(String s) {
        return ByteString.copyFromUtf8(s);
    }

    @Override
    public void close() {
        faults.close();
        env.close();
        storage.close();
    }
}
