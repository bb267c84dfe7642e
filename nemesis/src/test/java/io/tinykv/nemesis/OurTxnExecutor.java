package io.tinykv.nemesis;

import com.google.protobuf.ByteString;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.TinyKvException;
import io.tinykv.client.Transaction;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.TxnKvClient;
import io.tinykv.testkit.history.Outcome;
import io.tinykv.testkit.txn.TxnExecutor;
import io.tinykv.testkit.txn.TxnFailedException;
import io.tinykv.testkit.txn.TxnSession;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The testkit's {@link TxnExecutor} over our {@link TxnKvClient} (raw keys, so a cluster in RAW key
 * mode). A value list is stored as 8 big-endian bytes per element. Outcomes: a commit that returns is
 * OK; {@link TxnAbortedException} is FAIL; {@link CommitUnknownException}, or any other failure
 * during commit, is INFO (it may have committed); a failed read is FAIL (nothing was written yet).
 */
final class OurTxnExecutor implements TxnExecutor {
    private final TxnKvClient client;

    OurTxnExecutor(TxnKvClient client) {
        this.client = client;
    }

    static ByteString encode(List<Long> value) {
        ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES * value.size());
        value.forEach(bytes::putLong);
        return ByteString.copyFrom(bytes.array());
    }

    static List<Long> decode(ByteString stored) {
        if (stored.size() % Long.BYTES != 0) {
            throw new IllegalStateException("a stored value of " + stored.size() + " bytes is not a list of longs");
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
            return new Session(client.begin());
        } catch (TinyKvException e) {
            throw new TxnFailedException(Outcome.FAIL, "begin: " + e.getMessage(), e);
        }
    }

    private record Session(Transaction txn) implements TxnSession {
        @Override
        public List<Long> read(String key) throws TxnFailedException {
            try {
                Optional<ByteString> value = txn.get(ByteString.copyFromUtf8(key));
                return value.map(OurTxnExecutor::decode).orElse(List.of());
            } catch (TinyKvException e) {
                throw new TxnFailedException(Outcome.FAIL, "read " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void write(String key, List<Long> value) {
            txn.put(ByteString.copyFromUtf8(key), encode(value));
        }

        @Override
        public Outcome commit() {
            try {
                txn.commit();
                return Outcome.OK;
            } catch (TxnAbortedException e) {
                return Outcome.FAIL;
            } catch (RuntimeException e) {
                return Outcome.INFO;
            }
        }

        @Override
        public void abort() {
            txn.close();
        }
    }
}
