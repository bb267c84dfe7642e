package io.tinykv.txn;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Storage;
import io.tinykv.txn.testing.MvccFixture;
import io.tinykv.txn.testing.StorageKind;
import io.tinykv.txn.testing.TestDeadline;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bank transfers from several threads through the facade, with a counter for a TSO: snapshot
 * isolation must keep the total constant in every snapshot, and no transfer may be lost. This is
 * what the latches are for: without them two prewrites of one key could both see it unlocked.
 */
@ParameterizedClass
@EnumSource(StorageKind.class)
class ConcurrentTransactionsTest {

    private static final int ACCOUNTS = 5;
    private static final long INITIAL_BALANCE = 100;
    private static final int THREADS = 4;
    private static final int TRANSFERS_PER_THREAD = 25;
    private static final long LOCK_TTL_MS = 60_000;

    @Parameter
    StorageKind kind;

    @TempDir
    Path dir;

    private Storage storage;
    private TxnCommands txn;
    private final AtomicLong tso = new AtomicLong(1000);
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @BeforeEach
    void open() {
        storage = kind.open(dir);
        txn = new TxnCommands(storage);
        // Seed every account in one committed transaction.
        long start = tso.incrementAndGet();
        List<Kvrpcpb.Mutation> puts = new ArrayList<>();
        List<ByteString> keys = new ArrayList<>();
        for (int a = 0; a < ACCOUNTS; a++) {
            puts.add(Kvrpcpb.Mutation.newBuilder()
                    .setOp(Kvrpcpb.Op.Put)
                    .setKey(account(a))
                    .setValue(amount(INITIAL_BALANCE))
                    .build());
            keys.add(account(a));
        }
        assertThat(txn.prewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                                .setContext(MvccFixture.CTX)
                                .setPrimaryLock(account(0))
                                .setStartVersion(start)
                                .setLockTtl(LOCK_TTL_MS)
                                .addAllMutations(puts)
                                .build())
                        .getErrorsList())
                .isEmpty();
        assertThat(txn.commit(Kvrpcpb.CommitRequest.newBuilder()
                                .setContext(MvccFixture.CTX)
                                .setStartVersion(start)
                                .setCommitVersion(tso.incrementAndGet())
                                .addAllKeys(keys)
                                .build())
                        .hasError())
                .isFalse();
    }

    @AfterEach
    void close() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS))
                .isTrue();
        storage.close();
    }

    private static ByteString account(int a) {
        return ByteString.copyFrom(new byte[] {'a', (byte) a});
    }

    private static ByteString amount(long value) {
        return ByteString.copyFrom(
                ByteBuffer.allocate(Long.BYTES).putLong(value).array());
    }

    private static long amountOf(ByteString bytes) {
        return bytes.asReadOnlyByteBuffer().getLong();
    }

    /** One attempt at moving {@code amount} from {@code from} to {@code to}; false if it must be retried. */
    private boolean transfer(int from, int to, long amount) {
        long start = tso.incrementAndGet();
        Kvrpcpb.BatchGetResponse balances = txn.batchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                .setContext(MvccFixture.CTX)
                .setVersion(start)
                .addKeys(account(from))
                .addKeys(account(to))
                .build());
        if (balances.getPairsCount() != 2 || balances.getPairsList().stream().anyMatch(Kvrpcpb.KvPair::hasError)) {
            return false; // a transfer in flight holds a lock; try again with a newer snapshot
        }
        long fromBalance = amountOf(balances.getPairs(0).getValue());
        long toBalance = amountOf(balances.getPairs(1).getValue());
        Kvrpcpb.PrewriteResponse prewrite = txn.prewrite(Kvrpcpb.PrewriteRequest.newBuilder()
                .setContext(MvccFixture.CTX)
                .setPrimaryLock(account(from))
                .setStartVersion(start)
                .setLockTtl(LOCK_TTL_MS)
                .addMutations(Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(account(from))
                        .setValue(amount(fromBalance - amount)))
                .addMutations(Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(account(to))
                        .setValue(amount(toBalance + amount)))
                .build());
        if (prewrite.getErrorsCount() > 0) {
            Kvrpcpb.BatchRollbackResponse rollback = txn.batchRollback(Kvrpcpb.BatchRollbackRequest.newBuilder()
                    .setContext(MvccFixture.CTX)
                    .setStartVersion(start)
                    .addKeys(account(from))
                    .addKeys(account(to))
                    .build());
            assertThat(rollback.hasError())
                    .as("rollback of %d: %s", start, rollback.getError())
                    .isFalse();
            return false;
        }
        long commitTs = tso.incrementAndGet();
        // Primary first: once it is committed the transaction is; then the secondary.
        for (ByteString key : List.of(account(from), account(to))) {
            Kvrpcpb.CommitResponse commit = txn.commit(Kvrpcpb.CommitRequest.newBuilder()
                    .setContext(MvccFixture.CTX)
                    .setStartVersion(start)
                    .setCommitVersion(commitTs)
                    .addKeys(key)
                    .build());
            assertThat(commit.hasError())
                    .as("commit of %d: %s", start, commit.getError())
                    .isFalse();
        }
        return true;
    }

    /** The total over all accounts in one snapshot, or -1 if a lock is in the way. */
    private long total() {
        Kvrpcpb.ScanResponse scan = txn.scan(Kvrpcpb.ScanRequest.newBuilder()
                .setContext(MvccFixture.CTX)
                .setStartKey(account(0))
                .setLimit(ACCOUNTS + 1)
                .setVersion(tso.incrementAndGet())
                .build());
        if (scan.getPairsList().stream().anyMatch(Kvrpcpb.KvPair::hasError)) {
            return -1;
        }
        assertThat(scan.getPairsCount()).isEqualTo(ACCOUNTS);
        return scan.getPairsList().stream()
                .mapToLong(p -> amountOf(p.getValue()))
                .sum();
    }

    @Test
    void transfersKeepTheTotalInEverySnapshotAndLoseNothing() throws Exception {
        CyclicBarrier start = new CyclicBarrier(THREADS);
        AtomicInteger done = new AtomicInteger();
        AtomicInteger retries = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = 7L * (t + 1);
            workers.add(pool.submit(() -> {
                Random random = new Random(seed);
                start.await(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);
                for (int i = 0; i < TRANSFERS_PER_THREAD; i++) {
                    int from = random.nextInt(ACCOUNTS);
                    int to = (from + 1 + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                    while (!transfer(from, to, 1 + random.nextInt(10))) {
                        retries.incrementAndGet();
                    }
                }
                done.incrementAndGet();
                return null;
            }));
        }
        List<Long> totals = new ArrayList<>();
        Future<?> auditor = pool.submit(() -> {
            while (done.get() < THREADS) {
                long total = total();
                if (total >= 0) {
                    totals.add(total);
                }
            }
            return null;
        });
        for (Future<?> w : workers) {
            w.get(TestDeadline.DURATION.toSeconds() * 3, TimeUnit.SECONDS);
        }
        auditor.get(TestDeadline.DURATION.toSeconds(), TimeUnit.SECONDS);

        assertThat(totals).allMatch(total -> total == ACCOUNTS * INITIAL_BALANCE);
        assertThat(total()).isEqualTo(ACCOUNTS * INITIAL_BALANCE);
        assertThat(new MvccFixture(storage).count(Cf.LOCK)).isZero();
        // Every transfer left one commit record per account it touched, plus the seed's.
        int commitRecords = ACCOUNTS + 2 * THREADS * TRANSFERS_PER_THREAD;
        int rollbackRecordsAtMost = 2 * retries.get();
        int writeRecords = new MvccFixture(storage).count(Cf.WRITE);
        assertThat(writeRecords).isBetween(commitRecords, commitRecords + rollbackRecordsAtMost);
    }
}
