package io.tinykv.client.txn;

import static io.tinykv.client.txn.TxnTestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.WriteConflictException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our client's 1PC against stores that commit in one phase: regions ["", "g"), ["g", "p"), ["p", "")
 * as in {@link TxnKvClientTest}. A transaction within one region commits with its prewrite alone; one
 * across regions takes two phases; an answer lost after the store committed is retried and reported as
 * the commit it was.
 */
class OnePcClientTest {
    private static final long BUDGET_MS = 2_000;

    @TempDir
    Path dataDir;

    private TxnTestCluster cluster;
    private TxnKvClient client;

    @BeforeEach
    void setUp() {
        cluster = new TxnTestCluster(FakeCluster.threeTxnRegions(), dataDir, true);
        client = cluster.client(new FakeClock(), BUDGET_MS, true);
    }

    @AfterEach
    void tearDown() {
        client.close();
        cluster.close();
    }

    private long requests(String method) {
        return cluster.cluster().received().stream()
                .filter(r -> r.method().equals(method))
                .count();
    }

    private Optional<String> read(TxnKvClient reader, String key) {
        try (Transaction txn = reader.begin()) {
            return txn.get(utf8(key)).map(ByteString::toStringUtf8);
        }
    }

    @Test
    void oneRegionCommitsWithItsPrewriteAlone() {
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("b"), utf8("2"));
        long commitTs = txn.commit();
        assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
        assertThat(txn.committedInOnePhase()).isTrue();
        assertThat(commitTs).isGreaterThan(txn.startTs());
        assertThat(requests("KvPrewrite")).isEqualTo(1);
        assertThat(requests("KvCommit")).as("no second phase").isZero();
        assertThat(read(client, "a")).contains("1");
        assertThat(read(client, "b")).contains("2");
    }

    @Test
    void aLaterTransactionSeesTheOnePcCommitAndConflictsWithAnEarlierOne() {
        Transaction early = client.begin();
        try (Transaction first = client.begin()) {
            first.put(utf8("a"), utf8("1"));
            first.commit();
        }
        assertThat(read(client, "a")).contains("1");
        assertThat(early.get(utf8("a")))
                .as("an earlier snapshot does not see it")
                .isEmpty();
        early.put(utf8("a"), utf8("2"));
        org.assertj.core.api.Assertions.assertThatThrownBy(early::commit).isInstanceOf(WriteConflictException.class);
        assertThat(read(client, "a")).contains("1");
    }

    @Test
    void keysInSeveralRegionsTakeTwoPhases() {
        try (Transaction txn = client.begin()) {
            txn.put(utf8("a"), utf8("1"));
            txn.put(utf8("h"), utf8("2"));
            txn.commit();
            assertThat(txn.committedInOnePhase()).isFalse();
        }
        assertThat(requests("KvPrewrite")).isEqualTo(2);
        assertThat(requests("KvCommit")).isEqualTo(2);
        assertThat(read(client, "a")).contains("1");
        assertThat(read(client, "h")).contains("2");
    }

    @Test
    void aClientWithoutOnePcTakesTwoPhases() {
        try (TxnKvClient twoPc = cluster.client(new FakeClock(), BUDGET_MS, false);
                Transaction txn = twoPc.begin()) {
            txn.put(utf8("a"), utf8("1"));
            txn.commit();
            assertThat(requests("KvCommit")).isEqualTo(1);
            assertThat(read(twoPc, "a")).contains("1");
        }
    }

    @Test
    void aLostAnswerIsRetriedAndReportsTheCommitThatHappened() {
        cluster.faults()
                .failAfterExecuting("KvPrewrite", utf8("a"), Status.UNAVAILABLE.withDescription("connection reset"), 1);
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("b"), utf8("2"));
        long commitTs = txn.commit();
        assertThat(requests("KvPrewrite")).as("the first answer was lost").isEqualTo(2);
        assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
        assertThat(txn.commitTs()).isEqualTo(commitTs);
        assertThat(read(client, "a")).contains("1");
        assertThat(requests("KvCommit")).isZero();
    }

    @Test
    void aOnePcPrewriteWhoseAnswersWereAllLostIsReportedAsTheCommitTheRollbackFound() {
        cluster.faults().failAfterExecuting("KvPrewrite", utf8("a"), Status.UNAVAILABLE, Integer.MAX_VALUE);
        Transaction txn = client.begin();
        txn.put(utf8("a"), utf8("1"));
        long commitTs = txn.commit();
        // Every attempt took effect and its answer was lost; the rollback was refused (the transaction had
        // committed), and the primary's status said at which ts.
        assertThat(requests("KvBatchRollback")).isPositive();
        assertThat(requests("KvCheckTxnStatus")).isPositive();
        assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
        assertThat(txn.committedInOnePhase()).isTrue();
        assertThat(txn.commitTs()).isEqualTo(commitTs).isEqualTo(cluster.committedAt("a", txn.startTs()));
        assertThat(read(client, "a")).contains("1");
    }

    @Test
    void aOnePcPrewriteThatFailedIsReportedAbortedWhenThePrimaryProvesTheRollbackWhoseAnswerWasLost() {
        Transaction txn = client.begin();
        try (Transaction winner = client.begin()) {
            winner.put(utf8("a"), utf8("winner"));
            winner.commit();
        }
        cluster.faults().failAfterExecuting("KvBatchRollback", utf8("a"), Status.INTERNAL, 1);
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("b"), utf8("2"));

        // The write conflict proves nothing committed, and so does the primary's rollback record that the
        // rollback left although its answer was lost.
        org.assertj.core.api.Assertions.assertThatThrownBy(txn::commit).isInstanceOf(WriteConflictException.class);
        assertThat(requests("KvCheckTxnStatus")).isPositive();
        assertThat(txn.status()).isEqualTo(Transaction.Status.ROLLED_BACK);
        assertThat(read(client, "a")).contains("winner");
        assertThat(read(client, "b")).isEmpty();
    }
}
