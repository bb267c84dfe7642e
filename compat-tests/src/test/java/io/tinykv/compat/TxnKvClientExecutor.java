package io.tinykv.compat;

import com.google.protobuf.ByteString;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The testkit's {@link TxnExecutor} over our own {@link TxnKvClient}, against a real process. Values
 * are encoded as {@link TikvClientTxnExecutor} encodes them. Outcomes: a commit that returns is OK,
 * {@link TxnAbortedException} FAIL, {@link CommitUnknownException} INFO, a failed read FAIL (nothing
 * was written yet).
 */
public final class TxnKvClientExecutor implements TxnExecutor {

    private static final Logger LOG = LoggerFactory.getLogger(TxnKvClientExecutor.class);

    private final TxnKvClient client;
    private final String keyPrefix;
    private final java.util.concurrent.atomic.AtomicLong onePcCommits = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong asyncCommits = new java.util.concurrent.atomic.AtomicLong();

    public TxnKvClientExecutor(TxnKvClient client, String keyPrefix) {
        this.client = client;
        this.keyPrefix = keyPrefix;
    }

    @Override
    public TxnSession begin() throws TxnFailedException {
        try {
            return new Session(client.begin());
        } catch (TinyKvException e) {
            throw new TxnFailedException(Outcome.FAIL, "begin: " + e.getMessage(), e);
        }
    }

    /** How many commits took one phase (the store committed with the prewrite). */
    public long onePcCommits() {
        return onePcCommits.get();
    }

    /** How many commits were decided by their prewrites (async commit). */
    public long asyncCommits() {
        return asyncCommits.get();
    }

    private ByteString storedKey(String key) {
        return ByteString.copyFromUtf8(keyPrefix + key);
    }

    private final class Session implements TxnSession {
        private final Transaction txn;

        Session(Transaction txn) {
            this.txn = txn;
        }

        @Override
        public List<Long> read(String key) throws TxnFailedException {
            try {
                Optional<ByteString> value = txn.get(storedKey(key));
                return value.map(v -> TikvClientTxnExecutor.decode(v.toByteArray()))
                        .orElse(List.of());
            } catch (TinyKvException e) {
                throw new TxnFailedException(Outcome.FAIL, "read " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void write(String key, List<Long> value) {
            txn.put(storedKey(key), ByteString.copyFrom(TikvClientTxnExecutor.encode(value)));
        }

        @Override
        public Outcome commit() {
            try {
                txn.commit();
                if (txn.committedInOnePhase()) {
                    onePcCommits.incrementAndGet();
                }
                if (txn.committedAsynchronously()) {
                    asyncCommits.incrementAndGet();
                }
                return Outcome.OK;
            } catch (TxnAbortedException e) {
                return Outcome.FAIL;
            } catch (CommitUnknownException e) {
                LOG.info("commit outcome unknown: {}", e.getMessage());
                return Outcome.INFO;
            } catch (TinyKvException e) {
                // Why a commit ended indeterminate is what a failing run's reader needs first.
                LOG.info("commit failed, outcome unknown: {}", e.toString());
                return Outcome.INFO;
            }
        }

        @Override
        public void abort() {
            txn.close();
        }
    }
}
