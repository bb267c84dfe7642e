package io.tinykv.compat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.TikvGrpc;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tikv.common.BytePairWrapper;
import org.tikv.common.ByteWrapper;
import org.tikv.common.TiSession;
import org.tikv.common.exception.KeyException;
import org.tikv.common.region.TiRegion;
import org.tikv.common.region.TiStore;
import org.tikv.common.util.ConcreteBackOffer;
import org.tikv.common.util.Pair;
import org.tikv.shade.com.google.protobuf.ByteString;
import org.tikv.txn.KVClient;
import org.tikv.txn.TwoPhaseCommitter;

/**
 * The testkit's {@link TxnExecutor} over the official TiKV Java client's transactional API: a
 * transaction takes its start ts from the TSO, reads through {@link KVClient} at that version (the
 * client resolves any lock it meets), buffers its writes, and commits them with the client's
 * {@link TwoPhaseCommitter}: prewrite the primary (the smallest key) and the secondaries, commit the
 * primary at a fresh ts (the commit point), then the secondaries.
 *
 * <p>Outcomes: anything that fails before the primary's commit is sent is FAIL (the locks written so
 * far are rolled back with a bare {@code KvBatchRollback}, which is safe because only we would ever
 * commit this primary); a primary commit the store refuses because the lock is gone (a reader rolled
 * it back) is FAIL; any other failure of the primary commit is INFO; a failure committing the
 * secondaries after the primary committed is still OK, since readers finish the transaction.
 */
public final class TikvClientTxnExecutor implements TxnExecutor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TikvClientTxnExecutor.class);

    /** Encoding of a value list: one big-endian long per element. */
    private static final int BYTES_PER_ELEMENT = Long.BYTES;

    private static final long ROLLBACK_DEADLINE_MILLIS = 10_000;
    /** What the store answers a commit whose lock is gone (rolled back by someone else). */
    private static final List<String> LOCK_GONE_MARKERS = List.of("lock not found", "TxnLockNotFound");

    private final TiSession session;
    private final KVClient kv;
    private final String keyPrefix;
    private final long lockTtlMillis;
    private final int stepBackoffMillis;
    /** One channel per store address rollbacks went to: the leader's store, which may change. */
    private final Map<String, ManagedChannel> rollbackChannels = new ConcurrentHashMap<>();

    /**
     * @param keyPrefix prepended to every key, so that workloads can share a store
     * @param lockTtlMillis the TTL of the locks a prewrite takes
     * @param stepBackoffMillis each commit step's whole retry budget (waiting on other locks included)
     */
    public TikvClientTxnExecutor(TiSession session, String keyPrefix, long lockTtlMillis, int stepBackoffMillis) {
        this.session = session;
        this.kv = session.createKVClient();
        this.keyPrefix = keyPrefix;
        this.lockTtlMillis = lockTtlMillis;
        this.stepBackoffMillis = stepBackoffMillis;
    }

    @Override
    public TxnSession begin() throws TxnFailedException {
        try {
            return new Session(session.getTimestamp().getVersion());
        } catch (RuntimeException e) {
            throw new TxnFailedException(Outcome.FAIL, "no start timestamp: " + e, e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        kv.close();
        for (ManagedChannel channel : rollbackChannels.values()) {
            channel.shutdownNow().awaitTermination(ROLLBACK_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    static byte[] encode(List<Long> value) {
        ByteBuffer buffer = ByteBuffer.allocate(value.size() * BYTES_PER_ELEMENT);
        value.forEach(buffer::putLong);
        return buffer.array();
    }

    static List<Long> decode(byte[] bytes) {
        if (bytes.length % BYTES_PER_ELEMENT != 0) {
            throw new IllegalStateException("a stored value of " + bytes.length + " bytes is not a list of longs");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        List<Long> value = new ArrayList<>(bytes.length / BYTES_PER_ELEMENT);
        while (buffer.hasRemaining()) {
            value.add(buffer.getLong());
        }
        return List.copyOf(value);
    }

    private byte[] storeKey(String key) {
        return (keyPrefix + key).getBytes(StandardCharsets.UTF_8);
    }

    /** Every message in the cause chain, with the server's KeyError where the client kept one aside. */
    private static String causeMessages(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
            if (t instanceof KeyException k && k.getKeyErr() != null) {
                all.append(k.getKeyErr()).append('\n');
            }
        }
        return all.toString();
    }

    private final class Session implements TxnSession {

        private final long startTs;
        /** Buffered writes, sorted: the smallest key is the primary, so prewrites take locks in key order. */
        private final TreeMap<String, List<Long>> writes = new TreeMap<>();

        private boolean finished;

        Session(long startTs) {
            this.startTs = startTs;
        }

        @Override
        public List<Long> read(String key) throws TxnFailedException {
            requireOpen();
            List<Long> own = writes.get(key);
            if (own != null) {
                return own;
            }
            try {
                return decode(
                        kv.get(ByteString.copyFrom(storeKey(key)), startTs).toByteArray());
            } catch (RuntimeException e) {
                throw new TxnFailedException(Outcome.FAIL, "read of " + key + " at " + startTs + " failed: " + e, e);
            }
        }

        @Override
        public void write(String key, List<Long> value) throws TxnFailedException {
            requireOpen();
            writes.put(key, List.copyOf(value));
        }

        @Override
        public Outcome commit() {
            requireOpen();
            finished = true;
            if (writes.isEmpty()) {
                // Read-only: its reads all came from the snapshot at startTs.
                return Outcome.OK;
            }
            try (TwoPhaseCommitter committer = new TwoPhaseCommitter(session, startTs, lockTtlMillis)) {
                return commitWith(committer);
            } catch (Exception e) {
                // Only close() can get here; the outcome was decided inside.
                throw new IllegalStateException("closing the committer of " + startTs + " failed", e);
            }
        }

        private Outcome commitWith(TwoPhaseCommitter committer) {
            List<Map.Entry<String, List<Long>>> entries = List.copyOf(writes.entrySet());
            byte[] primary = storeKey(entries.getFirst().getKey());
            long commitTs;
            try {
                committer.prewritePrimaryKey(
                        backOffer(), primary, encode(entries.getFirst().getValue()));
                List<BytePairWrapper> secondaries = new ArrayList<>();
                for (Map.Entry<String, List<Long>> w : entries.subList(1, entries.size())) {
                    secondaries.add(new BytePairWrapper(storeKey(w.getKey()), encode(w.getValue())));
                }
                if (!secondaries.isEmpty()) {
                    committer.prewriteSecondaryKeys(primary, secondaries.iterator(), stepBackoffMillis);
                }
                commitTs = session.getTimestamp().getVersion();
            } catch (RuntimeException e) {
                LOG.debug("transaction {} failed before its commit point: {}", startTs, e.toString());
                rollBack();
                return Outcome.FAIL;
            }
            try {
                committer.commitPrimaryKey(backOffer(), primary, commitTs);
            } catch (RuntimeException e) {
                String messages = causeMessages(e);
                if (LOCK_GONE_MARKERS.stream().anyMatch(messages::contains)) {
                    LOG.debug("transaction {} was rolled back before its commit: {}", startTs, e.toString());
                    return Outcome.FAIL;
                }
                LOG.debug("transaction {} may or may not have committed: {}", startTs, e.toString());
                return Outcome.INFO;
            }
            List<ByteWrapper> secondaryKeys = entries.subList(1, entries.size()).stream()
                    .map(w -> new ByteWrapper(storeKey(w.getKey())))
                    .toList();
            if (!secondaryKeys.isEmpty()) {
                try {
                    committer.commitSecondaryKeys(secondaryKeys.iterator(), commitTs, stepBackoffMillis);
                } catch (RuntimeException e) {
                    // Committed at the primary: readers meeting the secondaries' locks commit them.
                    LOG.debug("transaction {} committed, its secondaries left to readers: {}", startTs, e.toString());
                }
            }
            return Outcome.OK;
        }

        /** Rolls back every key we may have prewritten; safe as long as the primary's commit was not sent. */
        private void rollBack() {
            if (writes.isEmpty()) {
                return;
            }
            try {
                // Addressed to the first key's region, at the store the client knows as its leader:
                // the workloads' keys all lie in one region.
                // One look-up gives both the leader's context and its store.
                Pair<TiRegion, TiStore> leader = session.getRegionManager()
                        .getRegionStorePairByKey(ByteString.copyFrom(
                                storeKey(writes.keySet().iterator().next())));
                Kvrpcpb.BatchRollbackRequest.Builder request = Kvrpcpb.BatchRollbackRequest.newBuilder()
                        .setContext(LockProbe.leaderContext(leader.first))
                        .setStartVersion(startTs);
                for (String key : writes.keySet()) {
                    request.addKeys(com.google.protobuf.ByteString.copyFrom(storeKey(key)));
                }
                String leaderAddress = leader.second.getAddress();
                ManagedChannel channel = rollbackChannels.computeIfAbsent(
                        leaderAddress,
                        address -> NettyChannelBuilder.forTarget(address)
                                .usePlaintext()
                                .build());
                Kvrpcpb.BatchRollbackResponse response = TikvGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(ROLLBACK_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
                        .kvBatchRollback(request.build());
                if (response.hasRegionError() || response.hasError()) {
                    // The locks' TTL still bounds how long they can block others.
                    LOG.warn(
                            "rollback of transaction {} refused: {} {}",
                            startTs,
                            response.getRegionError(),
                            response.getError());
                }
            } catch (RuntimeException e) {
                LOG.warn("rollback of transaction {} failed: {}", startTs, e.toString());
            }
        }

        @Override
        public void abort() {
            // Nothing reaches the store before commit, so abandoning just drops the buffer.
            finished = true;
            writes.clear();
        }

        private void requireOpen() {
            if (finished) {
                throw new IllegalStateException("transaction " + startTs + " is already finished");
            }
        }

        private ConcreteBackOffer backOffer() {
            return ConcreteBackOffer.newCustomBackOff(
                    stepBackoffMillis, session.getPDClient().getClusterId());
        }
    }
}
