package io.tinykv.client.workload;

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
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The testkit's {@link TxnExecutor} over our {@link TxnKvClient}. A value (a list of longs) is stored
 * as 8 big-endian bytes per element. Each workload key is stored under a one-letter prefix derived
 * from its name, so that the keys of one workload spread over every region of the test cluster.
 *
 * <p>Outcome mapping: a commit that returns is OK; {@link TxnAbortedException} (write conflicts
 * included) is FAIL; {@link CommitUnknownException} is INFO; a read that fails is FAIL (nothing was
 * written yet).
 */
final class TxnKvExecutor implements TxnExecutor {
    private static final int ALPHABET = 26;

    private final TxnKvClient client;
    /** Told why each commit that did not return failed (aborted or unknown). */
    private final Consumer<TinyKvException> commitFailures;

    TxnKvExecutor(TxnKvClient client) {
        this(client, failure -> {});
    }

    /** @param commitFailures told why each commit that did not return failed; called from the sessions' threads */
    TxnKvExecutor(TxnKvClient client, Consumer<TinyKvException> commitFailures) {
        this.client = client;
        this.commitFailures = commitFailures;
    }

    static ByteString storedKey(String key) {
        char prefix = (char) ('a' + Math.floorMod(key.hashCode(), ALPHABET));
        return ByteString.copyFromUtf8(prefix + "/" + key);
    }

    static ByteString encode(List<Long> value) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES * value.size());
        value.forEach(bytes::putLong);
        return ByteString.copyFrom(bytes.array());
    }

    static List<Long> decode(ByteString stored) {
        if (stored.size() % Long.BYTES != 0) {
            throw new IllegalStateException("stored value of " + stored.size() + " bytes is not a list of longs");
        }
        ByteBuffer bytes = stored.asReadOnlyByteBuffer();
        List<Long> out = new ArrayList<>();
        while (bytes.hasRemaining()) {
            out.add(bytes.getLong());
        }
        return out;
    }

    @Override
    public TxnSession begin() throws TxnFailedException {
        try {
            return new Session(client.begin(), commitFailures);
        } catch (TinyKvException e) {
            throw new TxnFailedException(Outcome.FAIL, "begin: " + e.getMessage(), e);
        }
    }

    private static final class Session implements TxnSession {
        private final Transaction txn;
        private final Consumer<TinyKvException> commitFailures;

        Session(Transaction txn, Consumer<TinyKvException> commitFailures) {
            this.txn = txn;
            this.commitFailures = commitFailures;
        }

        @Override
        public List<Long> read(String key) throws TxnFailedException {
            try {
                Optional<ByteString> value = txn.get(storedKey(key));
                return value.map(TxnKvExecutor::decode).orElse(List.of());
            } catch (TinyKvException e) {
                throw new TxnFailedException(Outcome.FAIL, "read " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void write(String key, List<Long> value) {
            txn.put(storedKey(key), encode(value));
        }

        @Override
        public Outcome commit() {
            try {
                txn.commit();
                return Outcome.OK;
            } catch (TxnAbortedException e) {
                commitFailures.accept(e);
                return Outcome.FAIL;
            } catch (CommitUnknownException e) {
                commitFailures.accept(e);
                return Outcome.INFO;
            }
        }

        @Override
        public void abort() {
            txn.close();
        }
    }
}
