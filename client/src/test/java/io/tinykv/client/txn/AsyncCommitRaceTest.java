package io.tinykv.client.txn;

import static io.tinykv.client.txn.TxnTestCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.proto.Kvrpcpb;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An async-commit transaction whose prewrite failed, while a resolver finishes it: its client C rolls
 * it back while another client's lock resolver R, finding all its locks in and its primary expired,
 * commits it. The two must agree on the primary, so that every key ends up the same way and C reports
 * what happened. C writes the primary a (region 1) and the secondary h (region 2); h's prewrite takes
 * effect but every answer to it is lost, so C's prewrite fails. During C's first backoff the primary's
 * TTL runs out (TSO moves on) and R reads h, with one of its ResolveLock requests held back by the
 * store (its answer never comes in time); then C settles. Requests go region by region, the primary's
 * first, but one that gets no answer in time is sent again after the other regions' went through: that
 * is how a secondary could be finished before the primary. Backoff runs on virtual time; held requests
 * wait out the (real) deadline.
 */
class AsyncCommitRaceTest {
    /** Virtual backoff one operation of C may spend: C's prewrite gives up after a few tries. */
    private static final long C_BUDGET_MS = 300;
    /** R retries a held ResolveLock twice (100 and 200 ms of backoff), then gives the read up. */
    private static final long R_BUDGET_MS = 300;

    private static final long PD_TIMEOUT_MS = 3_000;
    /**
     * The real deadline of each store call of C and R, waited out by every held request: short, yet long
     * enough that on a loaded machine no other call misses it (a spurious miss only adds a retry).
     */
    private static final long KV_TIMEOUT_MS = 1_000;
    /** How far TSO moves on so that every lock of C is expired, its heartbeats notwithstanding. */
    private static final long EXPIRY_MS = 60_000;

    @TempDir
    Path dataDir;

    private TxnTestCluster cluster;
    private FakeClock clientClock;
    private FakeClock resolverClock;
    private TxnKvClient client;
    private TxnKvClient resolver;
    /** What R's read of h ended with: the value read, or the exception. */
    private Object resolverOutcome;
    /** C's transaction's start ts. */
    private long clientStartTs;

    @BeforeEach
    void setUp() {
        cluster = new TxnTestCluster(FakeCluster.threeTxnRegions(), dataDir, true);
        clientClock = new FakeClock();
        resolverClock = new FakeClock();
        client = TxnKvClient.create(
                cluster.env().config(C_BUDGET_MS).withTimeoutsMs(PD_TIMEOUT_MS, KV_TIMEOUT_MS),
                cluster.env().channelFactory(),
                clientClock,
                TxnKvClient.DEFAULT_LOCK_TTL_MS,
                false,
                true);
        resolver = TxnKvClient.create(
                cluster.env().config(R_BUDGET_MS).withTimeoutsMs(PD_TIMEOUT_MS, KV_TIMEOUT_MS),
                cluster.env().channelFactory(),
                resolverClock,
                TxnKvClient.DEFAULT_LOCK_TTL_MS,
                false,
                true);
    }

    @AfterEach
    void tearDown() {
        resolver.close();
        client.close();
        cluster.close();
    }

    /**
     * C's transaction, its prewrite of h failing after taking effect; once h is locked and C backs off,
     * its locks expire and R reads h with {@code holdForResolver} arranged.
     */
    private Transaction raceWithResolver(Runnable holdForResolver) {
        cluster.faults().failAfterExecuting("KvPrewrite", utf8("h"), Status.UNAVAILABLE, Integer.MAX_VALUE);
        clientClock.onceAfterSleepWhen(() -> cluster.faults().executed("KvPrewrite") >= 2, () -> {
            cluster.env().advanceTso(EXPIRY_MS);
            holdForResolver.run();
            try (Transaction reader = resolver.begin()) {
                resolverOutcome = reader.get(utf8("h")).map(ByteString::toStringUtf8);
            } catch (RuntimeException e) {
                resolverOutcome = e;
            }
        });
        Transaction txn = client.begin();
        clientStartTs = txn.startTs();
        txn.put(utf8("a"), utf8("1"));
        txn.put(utf8("h"), utf8("2"));
        return txn;
    }

    /**
     * Every key of {@code txn} has the one outcome C reported ({@code commitOutcome}: the commit ts, or
     * the exception): committed at that ts, or rolled back. Readers resolve what is left locked.
     */
    private void assertAllOrNothing(Transaction txn, Object commitOutcome) {
        assertThat(resolverOutcome).as("R ran during C's backoff").isNotNull();
        // R's held requests arrive late, as a slow store's would.
        cluster.faults().clear();
        cluster.faults().releaseHeld();
        Optional<String> a;
        Optional<String> h;
        try (TxnKvClient reader = cluster.client(new FakeClock(), 2_000);
                Transaction read = reader.begin()) {
            a = read.get(utf8("a")).map(ByteString::toStringUtf8);
            h = read.get(utf8("h")).map(ByteString::toStringUtf8);
        }
        if (commitOutcome instanceof Long commitTs) {
            assertThat(txn.status()).isEqualTo(Transaction.Status.COMMITTED);
            assertThat(cluster.committedAt("a", txn.startTs())).isEqualTo(commitTs);
            assertThat(a).as("primary").contains("1");
            assertThat(h).as("secondary of a transaction reported committed").contains("2");
            assertThat(valueAt("h", 2, commitTs - 1))
                    .as("h committed at exactly the primary's commit ts")
                    .isEmpty();
            assertThat(valueAt("h", 2, commitTs)).contains("2");
        } else {
            assertThat(commitOutcome).isInstanceOf(TxnAbortedException.class);
            assertThat(txn.status()).isEqualTo(Transaction.Status.ROLLED_BACK);
            assertThat(cluster.committedAt("a", txn.startTs())).isZero();
            assertThat(a).as("primary").isEmpty();
            assertThat(h).as("secondary of a transaction reported aborted").isEmpty();
        }
    }

    private Optional<String> valueAt(String key, long regionId, long version) {
        Kvrpcpb.GetResponse response = cluster.commands()
                .get(Kvrpcpb.GetRequest.newBuilder()
                        .setContext(Kvrpcpb.Context.newBuilder().setRegionId(regionId))
                        .setKey(utf8(key))
                        .setVersion(version)
                        .build());
        return response.getNotFound()
                ? Optional.empty()
                : Optional.of(response.getValue().toStringUtf8());
    }

    private static Object commit(Transaction txn) {
        Throwable failure = catchThrowable(txn::commit);
        return failure != null ? failure : txn.commitTs();
    }

    /**
     * R decided commit (all locks in), but its commit of the primary never gets through, so it gives up;
     * C then rolls the transaction back. R must not have committed the secondary before the primary.
     */
    @Test
    void aResolverWhoseCommitOfThePrimaryIsStuckLeavesTheSecondariesToThePrimary() {
        Transaction txn = raceWithResolver(
                () -> cluster.faults().holdBeforeExecuting("KvResolveLock", utf8("a"), Integer.MAX_VALUE));

        Object outcome = commit(txn);

        assertThat(cluster.faults().held("KvResolveLock"))
                .as("R decided commit and tried the primary")
                .isPositive();
        assertThat(resolverOutcome).isInstanceOf(RuntimeException.class);
        assertAllOrNothing(txn, outcome);
    }

    /**
     * R commits the primary, but its commit of the secondary never gets through; C then settles, and its
     * first rollback of the primary gets no answer in time. C must not roll back the secondary meanwhile:
     * its primary turns out committed.
     */
    @Test
    void aClientRollsBackItsPrimaryFirstAndFindsItCommittedByAResolver() {
        Transaction txn = raceWithResolver(
                () -> cluster.faults().holdBeforeExecuting("KvResolveLock", utf8("h"), Integer.MAX_VALUE));
        cluster.faults().holdBeforeExecuting("KvBatchRollback", utf8("a"), 1);

        Object outcome = commit(txn);

        assertThat(cluster.faults().held("KvBatchRollback")).isEqualTo(1);
        assertThat(cluster.committedAt("a", txn.startTs()))
                .as("R committed the primary")
                .isNotZero();
        assertThat(outcome).as("C reports what its primary holds").isInstanceOf(Long.class);
        assertAllOrNothing(txn, outcome);
    }

    /**
     * R's commit of the primary is held, and C's rollback reaches the primary first (while R backs off);
     * R's retry finds no lock there. R must then roll the secondary back, not commit it.
     */
    @Test
    void aResolverThatLosesThePrimaryToTheClientsRollbackRollsTheSecondariesBack() {
        Transaction txn = raceWithResolver(() -> {
            cluster.faults().holdBeforeExecuting("KvResolveLock", utf8("a"), 1);
            resolverClock.onceAfterSleepWhen(() -> cluster.faults().held("KvResolveLock") > 0, () -> {
                // What C's rollback of its primary does when it gets there before R's commit.
                Kvrpcpb.BatchRollbackResponse rollback = cluster.commands()
                        .batchRollback(Kvrpcpb.BatchRollbackRequest.newBuilder()
                                .setContext(Kvrpcpb.Context.newBuilder().setRegionId(1))
                                .setStartVersion(clientStartTs)
                                .addKeys(utf8("a"))
                                .build());
                assertThat(rollback.hasError()).isFalse();
            });
        });

        Object outcome = commit(txn);

        assertAllOrNothing(txn, outcome);
        assertThat(resolverOutcome).as("R read h as rolled back").isEqualTo(Optional.empty());
    }
}
