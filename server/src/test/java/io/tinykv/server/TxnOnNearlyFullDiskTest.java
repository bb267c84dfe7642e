package io.tinykv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.server.config.Config;
import io.tinykv.storage.Modify;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageReader;
import io.tinykv.storage.space.DiskSpaceGuard;
import io.tinykv.storage.space.DiskUsage;
import io.tinykv.storage.space.ReserveSpace;
import io.tinykv.storage.space.SpaceStats;
import io.tinykv.txn.TxnCommands;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions on a store whose disk is nearly full, through real gRPC calls: new data (prewrites)
 * is refused with {@code disk_full}, while commands that finish or clean up a transaction already
 * under way (commit, rollback, resolving locks) pass until less than half the reserve is left.
 * The storage checks the disk space guard at its write edge, as {@code RaftStorage} does.
 */
class TxnOnNearlyFullDiskTest {

    private static final long MIB = 1024 * 1024;
    private static final long CAPACITY_BYTES = 1000 * MIB;
    private static final long RESERVE_BYTES = 100 * MIB;
    private static final long STORE_ID = 1;
    private static final Config.Limits LIMITS = new Config.Limits(1024, 1 << 20, 100, 1 << 20);

    @TempDir
    Path dir;

    private volatile long freeBytes = CAPACITY_BYTES / 2;
    private DiskSpaceGuard guard;
    private Server server;
    private ManagedChannel channel;
    private TikvGrpc.TikvBlockingStub tikv;

    /** The in-memory store with the guard at its write edge. */
    private static Storage guarded(Storage inner, DiskSpaceGuard guard) {
        return new Storage() {
            @Override
            public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
                guard.checkWrite(STORE_ID, ctx, batch);
                inner.write(ctx, batch);
            }

            @Override
            public StorageReader reader(Kvrpcpb.Context ctx) {
                return inner.reader(ctx);
            }

            @Override
            public void close() {
                inner.close();
            }
        };
    }

    @BeforeEach
    void start() throws Exception {
        guard = DiskSpaceGuard.open(
                dir, new ReserveSpace.Fixed(RESERVE_BYTES), () -> new SpaceStats(CAPACITY_BYTES, freeBytes));
        Storage storage = guarded(new MemoryStorage(), guard);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(new TikvService(
                        storage,
                        new RequestValidator(LIMITS),
                        new TxnHandler(new TxnCommands(storage), new RequestValidator(LIMITS))))
                .build()
                .start();
        channel = InProcessChannelBuilder.forName(name).build();
        tikv = TikvGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void stop() throws Exception {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private void diskAt(long free, DiskUsage expected) {
        freeBytes = free;
        guard.sample();
        assertThat(guard.usage()).as("the fault happened").isEqualTo(expected);
    }

    private Kvrpcpb.PrewriteResponse prewrite(String key, long startTs) {
        return tikv.kvPrewrite(prewriteRequest(key, startTs));
    }

    private Kvrpcpb.CommitResponse commit(String key, long startTs, long commitTs) {
        return tikv.kvCommit(Kvrpcpb.CommitRequest.newBuilder()
                .addKeys(b(key))
                .setStartVersion(startTs)
                .setCommitVersion(commitTs)
                .build());
    }

    @Test
    void underTheReservePrewritesAreRefusedButTransactionsUnderWayFinish() {
        assertThat(prewrite("a", 10).getErrorsList()).isEmpty();
        assertThat(prewrite("b", 20).getErrorsList()).isEmpty();
        diskAt(RESERVE_BYTES - MIB, DiskUsage.ALMOST_FULL);

        Kvrpcpb.PrewriteResponse refused = prewrite("c", 30);
        assertThat(refused.getRegionError().hasDiskFull()).isTrue();
        assertThat(refused.getRegionError().getDiskFull().getStoreIdList()).containsExactly(STORE_ID);
        assertThat(refused.getRegionError().getMessage()).contains("disk almost full");

        Kvrpcpb.CommitResponse committed = commit("a", 10, 11);
        assertThat(committed.hasRegionError())
                .as("%s", committed.getRegionError())
                .isFalse();
        assertThat(committed.hasError()).isFalse();
        Kvrpcpb.BatchRollbackResponse rolledBack = tikv.kvBatchRollback(Kvrpcpb.BatchRollbackRequest.newBuilder()
                .addKeys(b("b"))
                .setStartVersion(20)
                .build());
        assertThat(rolledBack.hasRegionError())
                .as("%s", rolledBack.getRegionError())
                .isFalse();

        Kvrpcpb.GetResponse read = tikv.kvGet(
                Kvrpcpb.GetRequest.newBuilder().setKey(b("a")).setVersion(12).build());
        assertThat(read.getValue().toStringUtf8()).isEqualTo("v-a");
        assertThat(tikv.kvGet(Kvrpcpb.GetRequest.newBuilder()
                                .setKey(b("c"))
                                .setVersion(40)
                                .build())
                        .getNotFound())
                .as("nothing of the refused prewrite was written")
                .isTrue();

        Kvrpcpb.PrewriteResponse allowed = tikv.kvPrewrite(prewriteRequest("d", 50).toBuilder()
                .setContext(Kvrpcpb.Context.newBuilder().setDiskFullOpt(Kvrpcpb.DiskFullOpt.AllowedOnAlmostFull))
                .build());
        assertThat(allowed.hasRegionError())
                .as("a client may allow its write on an almost full disk")
                .isFalse();
    }

    @Test
    void underHalfTheReserveEvenCleanupWaitsAndEverythingComesBackWithSpace() {
        assertThat(prewrite("a", 10).getErrorsList()).isEmpty();
        diskAt(RESERVE_BYTES / 4, DiskUsage.ALREADY_FULL);

        Kvrpcpb.CommitResponse refused = commit("a", 10, 11);
        assertThat(refused.getRegionError().getDiskFull().getReason()).contains("disk full");
        Kvrpcpb.RawDeleteResponse delete = tikv.rawDelete(
                Kvrpcpb.RawDeleteRequest.newBuilder().setKey(b("x")).build());
        assertThat(delete.getRegionError().hasDiskFull()).isTrue();

        diskAt(RESERVE_BYTES * 2, DiskUsage.NORMAL);
        assertThat(commit("a", 10, 11).hasRegionError()).isFalse();
        assertThat(prewrite("c", 30).hasRegionError()).isFalse();
    }

    private static Kvrpcpb.PrewriteRequest prewriteRequest(String key, long startTs) {
        return Kvrpcpb.PrewriteRequest.newBuilder()
                .addMutations(Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(b(key))
                        .setValue(b("v-" + key)))
                .setPrimaryLock(b(key))
                .setStartVersion(startTs)
                .setLockTtl(3_000)
                .build();
    }
}
