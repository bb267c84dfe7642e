package io.tinykv.server.txnfaults;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The testkit's {@link TxnExecutor} over our {@link TxnKvClient}, for one workload in its own key
 * namespace. Values (lists of longs) are stored as 8 big-endian bytes per element.
 *
 * <p>Every transaction that writes also writes a <em>marker</em>, a key of its own under the
 * namespace's marker prefix. The marker commits atomically with the transaction's data, so a read
 * after the run tells which transactions committed: every one the client reported committed must
 * have its marker, none it reported failed may have one, and the unknown ones are settled by it
 * (CommitUnknownException's own advice: make a transaction's effects recognisable).
 *
 * <p>Outcome mapping: a commit that returns is OK; {@link TxnAbortedException} (write conflicts
 * included) is FAIL; {@link CommitUnknownException} is INFO; a begin or read that fails is FAIL
 * (nothing was sent to be written yet). Anything else escaping a commit is recorded as INFO and
 * counted as a surprise (the client promises only those two exceptions).
 */
final class MarkedTxnExecutor implements TxnExecutor {

    /** One transaction that tried to commit writes: what it read first, what it wrote, how it ended. */
    record Attempt(
            long id,
            Outcome outcome,
            Map<String, List<Long>> firstReads,
            Map<String, List<Long>> writes,
            String detail) {}

    private final TxnKvClient client;
    private final String namespace;
    private final AtomicLong nextAttemptId = new AtomicLong(1);
    private final ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
    private final AtomicLong beginFailures = new AtomicLong();
    private final ConcurrentLinkedQueue<String> surprises = new ConcurrentLinkedQueue<>();

    MarkedTxnExecutor(TxnKvClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    ByteString dataKey(String key) {
        return ByteString.copyFromUtf8(namespace + "/d/" + key);
    }

    ByteString markerPrefix() {
        return ByteString.copyFromUtf8(namespace + "/m/");
    }

    /** One past every marker key (the prefix with its last byte incremented). */
    ByteString markerEnd() {
        return ByteString.copyFromUtf8(namespace + "/m0");
    }

    private ByteString markerKey(long attemptId) {
        return markerPrefix().concat(encode(List.of(attemptId)));
    }

    /** The attempt id a marker key names. */
    long attemptIdOf(ByteString markerKey) {
        ByteString suffix = markerKey.substring(markerPrefix().size());
        List<Long> id = decode(suffix);
        if (id.size() != 1) {
            throw new IllegalStateException("malformed marker key " + markerKey);
        }
        return id.getFirst();
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

    List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** Transactions that could not even start (no timestamp from the scheduler). */
    long beginFailures() {
        return beginFailures.get();
    }

    /** Exceptions the client promised never to throw from a commit. */
    List<String> surprises() {
        return List.copyOf(surprises);
    }

    @Override
    public TxnSession begin() throws TxnFailedException {
        try {
            return new Session(client.begin());
        } catch (TinyKvException e) {
            beginFailures.incrementAndGet();
            throw new TxnFailedException(Outcome.FAIL, "begin: " + e.getMessage(), e);
        }
    }

    private final class Session implements TxnSession {
        private final Transaction txn;
        private final Map<String, List<Long>> firstReads = new LinkedHashMap<>();
        private final Map<String, List<Long>> writes = new LinkedHashMap<>();

        Session(Transaction txn) {
            this.txn = txn;
        }

        @Override
        public List<Long> read(String key) throws TxnFailedException {
            try {
                Optional<ByteString> value = txn.get(dataKey(key));
                List<Long> list = value.map(MarkedTxnExecutor::decode).orElse(List.of());
                if (!writes.containsKey(key)) {
                    firstReads.putIfAbsent(key, list);
                }
                return list;
            } catch (TinyKvException e) {
                throw new TxnFailedException(Outcome.FAIL, "read " + key + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void write(String key, List<Long> value) {
            txn.put(dataKey(key), encode(value));
            writes.put(key, List.copyOf(value));
        }

        @Override
        public Outcome commit() {
            if (writes.isEmpty()) {
                txn.commit();
                return Outcome.OK;
            }
            long id = nextAttemptId.getAndIncrement();
            txn.put(markerKey(id), encode(List.of(id)));
            Outcome outcome;
            String detail = "";
            try {
                txn.commit();
                outcome = Outcome.OK;
            } catch (TxnAbortedException e) {
                outcome = Outcome.FAIL;
                detail = e.getMessage();
            } catch (CommitUnknownException e) {
                outcome = Outcome.INFO;
                detail = e.getMessage();
            } catch (RuntimeException e) {
                outcome = Outcome.INFO;
                detail = e.toString();
                surprises.add("attempt " + id + ": commit threw " + e);
            }
            attempts.add(new Attempt(id, outcome, Map.copyOf(firstReads), Map.copyOf(writes), detail));
            return outcome;
        }

        @Override
        public void abort() {
            txn.close();
        }
    }
}
