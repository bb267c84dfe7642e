package io.tinykv.txn;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.Timestamps;
import io.tinykv.txn.testing.MemoryStorage;
import io.tinykv.txn.testing.MvccFixture;
import io.tinykv.txn.testing.TestDeadline;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The race at the heart of Percolator: the owner commits its primary while another client, finding
 * the lock expired, rolls the transaction back. Whatever the interleaving, exactly one of them
 * wins, and the loser is told so.
 */
class CommitRollbackRaceTest {

    private static final int ROUNDS = 200;
    private static final long LOCK_TTL_MS = 10;
    private static final long TS_PER_ROUND = 100;

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS))
                .isTrue();
    }

    @Test
    void exactlyOneOfCommitAndExpiryRollbackWins() throws Exception {
        TxnCommands txn = new TxnCommands(new MemoryStorage());
        int commits = 0;
        int rollbacks = 0;
        for (int round = 0; round < ROUNDS; round++) {
            ByteString primary = ByteString.copyFrom(new byte[] {'p', (byte) round});
            long startTs = Timestamps.compose(1_000 + round * TS_PER_ROUND, 0);
            long commitTs = startTs + 1;
            long muchLater = Timestamps.compose(Timestamps.physicalMillis(startTs) + LOCK_TTL_MS * 100, 0);
            assertThat(txn.prewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                                    .setContext(MvccFixture.CTX)
                                    .setPrimaryLock(primary)
                                    .setStartVersion(startTs)
                                    .setLockTtl(LOCK_TTL_MS)
                                    .addMutations(Kvrpcpb.Mutation.newBuilder()
                                            .setOp(Kvrpcpb.Op.Put)
                                            .setKey(primary)
                                            .setValue(primary))
                                    .build())
                            .getErrorsList())
                    .isEmpty();

            CyclicBarrier go = new CyclicBarrier(2);
            CompletableFuture<Kvrpcpb.CommitResponse> commit = CompletableFuture.supplyAsync(
                    () -> {
                        await(go);
                        return txn.commit(Kvrpcpb.CommitRequest.newBuilder()
                                .setContext(MvccFixture.CTX)
                                .setStartVersion(startTs)
                                .setCommitVersion(commitTs)
                                .addKeys(primary)
                                .build());
                    },
                    pool);
            CompletableFuture<Kvrpcpb.CheckTxnStatusResponse> check = CompletableFuture.supplyAsync(
                    () -> {
                        await(go);
                        return txn.checkTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                                .setContext(MvccFixture.CTX)
                                .setPrimaryKey(primary)
                                .setLockTs(startTs)
                                .setCurrentTs(muchLater)
                                .setRollbackIfNotExist(true)
                                .build());
                    },
                    pool);
            Kvrpcpb.CommitResponse committed = commit.get(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);
            Kvrpcpb.CheckTxnStatusResponse status = check.get(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);

            assertThat(status.hasError()).isFalse();
            if (committed.hasError()) {
                rollbacks++;
                assertThat(committed.getError().getRetryable()).contains("rolled back");
                assertThat(status.getAction()).isEqualTo(Kvrpcpb.Action.TTLExpireRollback);
                assertThat(status.getCommitVersion()).isZero();
            } else {
                commits++;
                assertThat(status.getCommitVersion()).isEqualTo(commitTs);
                assertThat(status.getAction()).isEqualTo(Kvrpcpb.Action.NoAction);
            }
            // The outcome is final: asking again agrees with whoever won.
            Kvrpcpb.CheckTxnStatusResponse again = txn.checkTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                    .setContext(MvccFixture.CTX)
                    .setPrimaryKey(primary)
                    .setLockTs(startTs)
                    .setCurrentTs(muchLater)
                    .setRollbackIfNotExist(true)
                    .build());
            assertThat(again.getCommitVersion()).isEqualTo(committed.hasError() ? 0 : commitTs);
        }
        assertThat(commits + rollbacks).isEqualTo(ROUNDS);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the two sides of the race never met", e);
        }
    }
}
