package io.tinykv.compat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import org.tikv.common.BytePairWrapper;
import org.tikv.common.ByteWrapper;
import org.tikv.common.TiSession;
import org.tikv.common.util.ConcreteBackOffer;
import org.tikv.txn.TwoPhaseCommitter;

/**
 * One Percolator transaction written with the TiKV client's {@link TwoPhaseCommitter}, step by step
 * the way TiSpark's batch writer drives it: the first key is the primary, the rest are secondaries.
 * Each step can run on its own, so a test can leave a transaction half done (locks only, or only
 * the primary committed) and watch a later reader clean up after it.
 */
final class TwoPhaseWrites implements AutoCloseable {

    /** Each step's whole retry budget: generous, since a step that should succeed must not time out. */
    static final int DEFAULT_BACKOFF_MILLIS = 20_000;

    private final TiSession session;
    private final long startTs;
    private final List<Map.Entry<byte[], byte[]>> writes;
    private final TwoPhaseCommitter committer;
    private final int backoffMillis;

    private TwoPhaseWrites(
            TiSession session,
            long startTs,
            List<Map.Entry<byte[], byte[]>> writes,
            long lockTtlMillis,
            int backoffMillis) {
        if (writes.isEmpty()) {
            throw new IllegalArgumentException("a transaction needs at least one write (its primary)");
        }
        this.session = session;
        this.startTs = startTs;
        this.writes = writes;
        this.committer = new TwoPhaseCommitter(session, startTs, lockTtlMillis);
        this.backoffMillis = backoffMillis;
    }

    /**
     * Begins a transaction at a fresh start timestamp. An empty value writes a delete (the
     * committer's convention).
     */
    static TwoPhaseWrites begin(
            TiSession session, SequencedMap<byte[], byte[]> writes, long lockTtlMillis, int backoffMillis) {
        return new TwoPhaseWrites(
                session,
                session.getTimestamp().getVersion(),
                List.copyOf(writes.entrySet()),
                lockTtlMillis,
                backoffMillis);
    }

    long startTs() {
        return startTs;
    }

    byte[] primaryKey() {
        return writes.get(0).getKey();
    }

    List<byte[]> secondaryKeys() {
        return writes.subList(1, writes.size()).stream().map(Map.Entry::getKey).toList();
    }

    void prewritePrimary() {
        committer.prewritePrimaryKey(backOffer(), primaryKey(), writes.get(0).getValue());
    }

    void prewriteSecondaries() {
        List<BytePairWrapper> pairs = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> w : writes.subList(1, writes.size())) {
            pairs.add(new BytePairWrapper(w.getKey(), w.getValue()));
        }
        committer.prewriteSecondaryKeys(primaryKey(), pairs.iterator(), backoffMillis);
    }

    /** Commits the primary at a fresh commit timestamp, which it returns: the transaction is now committed. */
    long commitPrimary() {
        long commitTs = session.getTimestamp().getVersion();
        committer.commitPrimaryKey(backOffer(), primaryKey(), commitTs);
        return commitTs;
    }

    void commitSecondaries(long commitTs) {
        List<ByteWrapper> keys = secondaryKeys().stream().map(ByteWrapper::new).toList();
        committer.commitSecondaryKeys(keys.iterator(), commitTs, backoffMillis);
    }

    /** The whole protocol; returns the commit timestamp. */
    long commit() {
        prewritePrimary();
        prewriteSecondaries();
        long commitTs = commitPrimary();
        commitSecondaries(commitTs);
        return commitTs;
    }

    private ConcreteBackOffer backOffer() {
        return ConcreteBackOffer.newCustomBackOff(
                backoffMillis, session.getPDClient().getClusterId());
    }

    /** Stops the committer's thread pool. */
    @Override
    public void close() throws Exception {
        committer.close();
    }
}
