package io.tinykv.txn;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Errorpb;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.MemComparableCodec;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Modify;
import io.tinykv.storage.RegionException;
import io.tinykv.storage.Storage;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageReader;
import io.tinykv.testkit.wait.Await;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.testing.MemoryStorage;
import io.tinykv.txn.testing.MvccFixture;
import io.tinykv.txn.testing.TestDeadline;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The facade: errors become responses, reads take no latches, writes wait for theirs. */
@SuppressWarnings("try") // latch guards are held for a scope, not used
class TxnCommandsTest {

    private static final Kvrpcpb.Context CTX = MvccFixture.CTX;
    private static final ByteString KEY = ByteString.copyFrom(new byte[] {1});
    private static final long START = 100;

    /** A storage whose every call fails with the given error. */
    private static Storage failing(Supplier<RuntimeException> error) {
        return new Storage() {
            @Override
            public void write(Kvrpcpb.Context ctx, List<Modify> batch) {
                throw error.get();
            }

            @Override
            public StorageReader reader(Kvrpcpb.Context ctx) {
                throw error.get();
            }

            @Override
            public void close() {}
        };
    }

    private static Kvrpcpb.PrewriteRequest prewriteRequest() {
        return Kvrpcpb.PrewriteRequest.newBuilder()
                .setContext(CTX)
                .setPrimaryLock(KEY)
                .setStartVersion(START)
                .setLockTtl(3000)
                .addMutations(Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(KEY)
                        .setValue(KEY))
                .build();
    }

    @Test
    void regionErrorsBecomeRegionErrorResponsesOfEveryRpc() {
        Errorpb.Error notLeader = Errorpb.Error.newBuilder()
                .setMessage("not leader")
                .setNotLeader(Errorpb.NotLeader.newBuilder().setRegionId(7))
                .build();
        TxnCommands txn = new TxnCommands(failing(() -> new RegionException(notLeader)));
        assertThat(txn.get(Kvrpcpb.GetRequest.newBuilder()
                                .setContext(CTX)
                                .setKey(KEY)
                                .setVersion(1)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.batchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                                .setContext(CTX)
                                .addKeys(KEY)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.scan(Kvrpcpb.ScanRequest.newBuilder()
                                .setContext(CTX)
                                .setLimit(1)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.prewrite(prewriteRequest()).getRegionError()).isEqualTo(notLeader);
        assertThat(txn.commit(Kvrpcpb.CommitRequest.newBuilder()
                                .setContext(CTX)
                                .setStartVersion(START)
                                .setCommitVersion(START + 1)
                                .addKeys(KEY)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.batchRollback(Kvrpcpb.BatchRollbackRequest.newBuilder()
                                .setContext(CTX)
                                .setStartVersion(START)
                                .addKeys(KEY)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.checkTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                                .setContext(CTX)
                                .setPrimaryKey(KEY)
                                .setLockTs(START)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.cleanup(Kvrpcpb.CleanupRequest.newBuilder()
                                .setContext(CTX)
                                .setKey(KEY)
                                .setStartVersion(START)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.txnHeartBeat(Kvrpcpb.TxnHeartBeatRequest.newBuilder()
                                .setContext(CTX)
                                .setPrimaryLock(KEY)
                                .setStartVersion(START)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                                .setContext(CTX)
                                .setStartVersion(START)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
        assertThat(txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                                .setContext(CTX)
                                .setStartVersion(START)
                                .addKeys(KEY)
                                .build())
                        .getRegionError())
                .isEqualTo(notLeader);
    }

    @Test
    void regionBoundsThatFailAreRegionErrorsToo() {
        Errorpb.Error notFound = Errorpb.Error.newBuilder()
                .setMessage("region 9 not found")
                .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(9))
                .build();
        TxnCommands txn = new TxnCommands(new MemoryStorage(), new Latches(), ctx -> {
            throw new RegionException(notFound);
        });
        assertThat(txn.prewrite(prewriteRequest()).getRegionError()).isEqualTo(notFound);
        assertThat(txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                                .setContext(CTX)
                                .setStartVersion(START)
                                .build())
                        .getRegionError())
                .isEqualTo(notFound);
    }

    @Test
    void storageFailuresBecomeClearAbortErrors() {
        TxnCommands txn = new TxnCommands(failing(() -> new StorageException("disk on fire")));
        Kvrpcpb.PrewriteResponse prewrite = txn.prewrite(prewriteRequest());
        assertThat(prewrite.getErrors(0).getAbort()).contains("storage error").contains("disk on fire");
        Kvrpcpb.GetResponse get = txn.get(
                Kvrpcpb.GetRequest.newBuilder().setContext(CTX).setKey(KEY).build());
        assertThat(get.getError().getAbort()).contains("disk on fire");
    }

    @Test
    void corruptRecordsAreReportedNotMisread() {
        MemoryStorage storage = new MemoryStorage();
        storage.write(
                CTX,
                List.of(new Modify.Put(Cf.LOCK, MemComparableCodec.encode(KEY.toByteArray()), new byte[] {1, 'P', 0})));
        TxnCommands txn = new TxnCommands(storage);
        Kvrpcpb.GetResponse get = txn.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(CTX)
                .setKey(KEY)
                .setVersion(5)
                .build());
        assertThat(get.getError().getAbort()).contains("lock record");
        assertThat(txn.prewrite(prewriteRequest()).getErrors(0).getAbort()).contains("lock record");
    }

    @Test
    void writesOutsideTheRegionAreRefusedAndNothingIsWritten() {
        MemoryStorage storage = new MemoryStorage();
        TxnCommands txn = new TxnCommands(
                storage, new Latches(), RegionBounds.fixed(new KeyRange(new byte[] {5}, new byte[] {9})));
        Kvrpcpb.PrewriteResponse r = txn.prewrite(prewriteRequest());
        assertThat(r.getRegionError().getKeyNotInRegion().getKey()).isEqualTo(KEY);
        assertThat(r.getRegionError().getKeyNotInRegion().getStartKey().toByteArray())
                .containsExactly(5);
        assertThat(storage.writeCount()).isZero();
    }

    @Test
    void readsTakeNoLatchesButWritesWaitForTheirs() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        Latches latches = new Latches();
        TxnCommands txn = new TxnCommands(storage, latches, RegionBounds.UNBOUNDED);
        CompletableFuture<Kvrpcpb.PrewriteResponse> prewrite;
        try (Latches.Guard held = latches.acquire(List.of(KEY.toByteArray()))) {
            // A snapshot read goes through although another command holds the key.
            Kvrpcpb.GetResponse get = txn.get(Kvrpcpb.GetRequest.newBuilder()
                    .setContext(CTX)
                    .setKey(KEY)
                    .setVersion(5)
                    .build());
            assertThat(get.getNotFound()).isTrue();

            prewrite = CompletableFuture.supplyAsync(() -> txn.prewrite(prewriteRequest()));
            Await.until(
                    () -> latches.queueLength(KEY.toByteArray()) == 2,
                    TestDeadline.DURATION,
                    "prewrite waiting for its latch");
            assertThat(prewrite).isNotDone();
            assertThat(storage.writeCount()).isZero();
        }
        Kvrpcpb.PrewriteResponse r = prewrite.get(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.getErrorsList()).isEmpty();
        assertThat(storage.writeCount()).isEqualTo(1);
        assertThat(latches.queueLength(KEY.toByteArray())).isZero();
    }

    @Test
    void interruptedWaitForLatchesIsAnAbortAndWritesNothing() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        Latches latches = new Latches();
        TxnCommands txn = new TxnCommands(storage, latches, RegionBounds.UNBOUNDED);
        CompletableFuture<Kvrpcpb.PrewriteResponse> result = new CompletableFuture<>();
        Thread worker;
        try (Latches.Guard held = latches.acquire(List.of(KEY.toByteArray()))) {
            worker = new Thread(() -> result.complete(txn.prewrite(prewriteRequest())));
            worker.start();
            Await.until(
                    () -> latches.queueLength(KEY.toByteArray()) == 2,
                    TestDeadline.DURATION,
                    "prewrite waiting for its latch");
            worker.interrupt();
            Kvrpcpb.PrewriteResponse r = result.get(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.getErrors(0).getAbort()).contains("interrupted");
        }
        worker.join(TestDeadline.DURATION.toMillis());
        assertThat(storage.writeCount()).isZero();
    }
}
