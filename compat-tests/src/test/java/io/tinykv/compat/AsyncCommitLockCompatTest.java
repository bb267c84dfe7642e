package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.scheduler.ClientKeyMode;
import io.tinykv.security.ChannelFactory;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.TiSession;
import org.tikv.common.util.ConcreteBackOffer;

/**
 * What the official TiKV Java client (3.3.5) does with an async-commit transaction's locks that our
 * client left behind (it died after its prewrites, so the transaction is committed but no key is):
 * that client knows nothing of async commit (its {@code LockResolverClientV4} has no
 * CheckSecondaryLocks), so the store's answer to its CheckTxnStatus keeps the lock alive, and its read
 * waits and gives up. It must never read past the committed transaction nor roll it back; our
 * client's resolver then commits the keys, and the TiKV client reads the committed values.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class AsyncCommitLockCompatTest {

    private static final Duration STARTUP = Duration.ofMinutes(3);
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final long RPC_DEADLINE_MILLIS = 10_000;
    /** The left-behind locks' TTL: expired almost at once, so every resolver may act on them. */
    private static final long LOCK_TTL_MILLIS = 50;
    /** How long the TiKV client's read may wait on the lock before giving up. */
    private static final int TIKV_READ_BACKOFF_MILLIS = 2_000;

    private static final ByteString PRIMARY = ByteString.copyFromUtf8("ac/primary");
    private static final ByteString SECONDARY = ByteString.copyFromUtf8("ac/secondary");

    @TempDir
    Path dir;

    @Test
    void theTikvClientWaitsOnALeftBehindAsyncCommitLockAndNeverRollsItBack() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 1, ClientKeyMode.TXN)) {
            cluster.awaitServing(STARTUP);
            ClientConfig config = ClientConfig.of(List.of(cluster.pdAddress()));
            try (TiSession session = Sessions.openTransactional(cluster.pdAddress());
                    TxnKvClient ours = TxnKvClient.create(
                            config,
                            ChannelFactory.plaintext(),
                            Clock.system(),
                            TxnKvClient.DEFAULT_LOCK_TTL_MS,
                            false,
                            true)) {
                ManagedChannel channel = NettyChannelBuilder.forTarget(cluster.storeAddress(1))
                        .usePlaintext()
                        .build();
                try {
                    TikvGrpc.TikvBlockingStub stub = TikvGrpc.newBlockingStub(channel);
                    // The first async prewrite of a leadership makes the store sync its max ts from TSO. A
                    // warm-up transaction that fails (its prewrite unanswered within the client's RPC
                    // deadline on a loaded machine: rolled back, seen in a flake hunt) is tried again.
                    AtomicReference<String> lastFailure = new AtomicReference<>("none");
                    Await.until(
                            () -> committedAsync(ours, lastFailure),
                            DEADLINE,
                            () -> "a transaction committed with async commit; last failure: " + lastFailure.get());

                    long startTs = session.getTimestamp().getVersion();
                    long commitTs = prewriteAsync(session, stub, startTs);
                    Await.until(
                            () -> session.getTimestamp().getPhysical() > (startTs >>> 18) + LOCK_TTL_MILLIS,
                            DEADLINE,
                            "the locks' TTL expired");

                    // The TiKV client reads at a snapshot above the commit: it must not see the old (absent)
                    // value, and it cannot resolve the lock, so its read gives up.
                    long readTs = session.getTimestamp().getVersion();
                    assertThat(readTs).isGreaterThan(commitTs);
                    Optional<Throwable> failure = tikvRead(session, SECONDARY, readTs);
                    assertThat(failure)
                            .as("the TiKV client's read of the locked key")
                            .isPresent();
                    // Its retries ran out on the lock (not some other failure).
                    assertThat(failure.get())
                            .isInstanceOf(org.tikv.common.exception.TiKVException.class)
                            .hasStackTraceContaining("retry is exhausted");
                    // It did not roll the transaction back: both locks are still there.
                    assertThat(lockOf(session, stub, PRIMARY, readTs)).isPresent();
                    assertThat(lockOf(session, stub, SECONDARY, readTs)).isPresent();

                    // Our resolver decides it from both locks: committed, at the largest min commit ts.
                    // A read (with its resolution) past the client's deadline on a loaded machine is asked
                    // again in a new transaction; the value it returns is what is checked.
                    Optional<ByteString> resolved =
                            UntilDone.value("our client's read of the locked key", DEADLINE, () -> {
                                try (Transaction txn = ours.begin()) {
                                    return txn.get(SECONDARY);
                                }
                            });
                    assertThat(resolved).contains(ByteString.copyFromUtf8("s"));
                    assertThat(tikvValue(session, PRIMARY, commitTs)).isEqualTo("p");
                    assertThat(tikvValue(session, SECONDARY, commitTs)).isEqualTo("s");
                    assertThat(tikvValue(session, SECONDARY, commitTs - 1))
                            .as("committed at exactly %s", commitTs)
                            .isEmpty();
                } finally {
                    channel.shutdownNow().awaitTermination(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        }
    }

    private static boolean committedAsync(TxnKvClient client, AtomicReference<String> lastFailure) {
        try (Transaction txn = client.begin()) {
            txn.put(ByteString.copyFromUtf8("ac/warmup"), ByteString.copyFromUtf8("w"));
            txn.commit();
            return txn.committedAsynchronously();
        } catch (TinyKvException e) {
            lastFailure.set(e.toString());
            return false;
        }
    }

    /** Prewrites both keys as one async-commit transaction, as a client that then died; its commit ts. */
    private static long prewriteAsync(TiSession session, TikvGrpc.TikvBlockingStub stub, long startTs) {
        long commitTs = 0;
        for (ByteString key : List.of(PRIMARY, SECONDARY)) {
            Kvrpcpb.PrewriteRequest.Builder request = Kvrpcpb.PrewriteRequest.newBuilder()
                    .setContext(LockProbe.leaderContext(session, key.toByteArray()))
                    .setPrimaryLock(PRIMARY)
                    .setStartVersion(startTs)
                    .setLockTtl(LOCK_TTL_MILLIS)
                    .setMinCommitTs(startTs + 1)
                    .setUseAsyncCommit(true)
                    .addMutations(Kvrpcpb.Mutation.newBuilder()
                            .setOp(Kvrpcpb.Op.Put)
                            .setKey(key)
                            .setValue(ByteString.copyFromUtf8(key.equals(PRIMARY) ? "p" : "s")));
            if (key.equals(PRIMARY)) {
                request.addSecondaries(SECONDARY);
            }
            Kvrpcpb.PrewriteResponse response = stub.withDeadlineAfter(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                    .kvPrewrite(request.build());
            assertThat(response.hasRegionError()).as("%s", response).isFalse();
            assertThat(response.getErrorsList()).isEmpty();
            assertThat(response.getMinCommitTs())
                    .as("the store took the prewrite as async commit")
                    .isPositive();
            commitTs = Math.max(commitTs, response.getMinCommitTs());
        }
        return commitTs;
    }

    private static Optional<Kvrpcpb.LockInfo> lockOf(
            TiSession session, TikvGrpc.TikvBlockingStub stub, ByteString key, long readTs) {
        Kvrpcpb.GetResponse response = stub.withDeadlineAfter(RPC_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                .kvGet(Kvrpcpb.GetRequest.newBuilder()
                        .setContext(LockProbe.leaderContext(session, key.toByteArray()))
                        .setKey(key)
                        .setVersion(readTs)
                        .build());
        return response.getError().hasLocked() ? Optional.of(response.getError().getLocked()) : Optional.empty();
    }

    /** The TiKV client's read of {@code key} at {@code readTs} with a short budget: its failure, if any. */
    private static Optional<Throwable> tikvRead(TiSession session, ByteString key, long readTs) {
        try {
            tikvGet(session, key, readTs, TIKV_READ_BACKOFF_MILLIS);
            return Optional.empty();
        } catch (RuntimeException e) {
            return Optional.of(e);
        }
    }

    private static String tikvValue(TiSession session, ByteString key, long readTs) {
        return tikvGet(session, key, readTs, (int) DEADLINE.toMillis());
    }

    private static String tikvGet(TiSession session, ByteString key, long readTs, int backoffMillis) {
        var pairs = session.createKVClient()
                .batchGet(
                        ConcreteBackOffer.newCustomBackOff(
                                backoffMillis, session.getPDClient().getClusterId()),
                        // A mutable list: the client sorts it in place.
                        new java.util.ArrayList<>(
                                List.of(org.tikv.shade.com.google.protobuf.ByteString.copyFrom(key.toByteArray()))),
                        readTs);
        return pairs.isEmpty() ? "" : pairs.getFirst().getValue().toStringUtf8();
    }
}
