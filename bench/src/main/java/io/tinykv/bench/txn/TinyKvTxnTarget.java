package io.tinykv.bench.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.Clock;
import io.tinykv.client.KeyLockedException;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.WriteConflictException;
import io.tinykv.client.txn.Transaction;
import io.tinykv.client.txn.TxnKvClient;
import io.tinykv.security.ChannelFactory;
import java.time.Duration;
import java.util.List;

/**
 * tinykv's Percolator transactions through our own client, {@link TxnKvClient}. Maps the client's
 * "definitely not committed" exceptions to {@link TxnAbortException}; {@code CommitUnknownException}
 * and everything else stay errors.
 */
public final class TinyKvTxnTarget implements TxnTarget {

    private final List<String> pdAddresses;
    private final Duration requestTimeout;
    private final CommitMode mode;
    private TxnKvClient client;

    /** With the client's default commit (1PC where the keys allow). */
    public TinyKvTxnTarget(List<String> pdAddresses, Duration requestTimeout) {
        this(pdAddresses, requestTimeout, TxnKvClient.DEFAULT_TRY_ONE_PC);
    }

    /** @param tryOnePc whether transactions within one region ask for 1PC (else always two phases) */
    public TinyKvTxnTarget(List<String> pdAddresses, Duration requestTimeout, boolean tryOnePc) {
        this(pdAddresses, requestTimeout, tryOnePc ? CommitMode.ONE_PC : CommitMode.TWO_PC);
    }

    /** @param mode how the client commits */
    public TinyKvTxnTarget(List<String> pdAddresses, Duration requestTimeout, CommitMode mode) {
        if (pdAddresses == null || pdAddresses.isEmpty()) {
            throw new IllegalArgumentException("the tinykv transactional target needs at least one PD address");
        }
        this.pdAddresses = List.copyOf(pdAddresses);
        this.requestTimeout = requestTimeout;
        this.mode = mode;
    }

    @Override
    public String name() {
        return "tinykv-txn-" + mode.label();
    }

    @Override
    public void open() {
        long timeoutMs = requestTimeout.toMillis();
        client = TxnKvClient.create(
                ClientConfig.of(pdAddresses).withTimeoutsMs(timeoutMs, timeoutMs),
                ChannelFactory.plaintext(),
                Clock.system(),
                TxnKvClient.DEFAULT_LOCK_TTL_MS,
                mode.tryOnePc(),
                mode.asyncCommit());
    }

    @Override
    public TxnSession begin() throws TxnAbortException {
        try {
            return new Session(client.begin());
        } catch (TxnAbortedException e) {
            throw abort(e);
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }

    private static TxnAbortException abort(RuntimeException e) {
        TxnOutcome outcome = e instanceof WriteConflictException ? TxnOutcome.CONFLICT : TxnOutcome.ABORTED;
        return new TxnAbortException(outcome, e.getMessage(), e);
    }

    private record Session(Transaction txn) implements TxnSession {

        @Override
        public byte[] get(byte[] key) throws TxnAbortException {
            try {
                return txn.get(ByteString.copyFrom(key))
                        .map(ByteString::toByteArray)
                        .orElse(null);
            } catch (TxnAbortedException | KeyLockedException e) {
                // A read that waited in vain for a live lock ends the transaction before it wrote.
                throw abort(e);
            }
        }

        @Override
        public void put(byte[] key, byte[] value) {
            txn.put(ByteString.copyFrom(key), ByteString.copyFrom(value));
        }

        @Override
        public void commit() throws TxnAbortException {
            try {
                txn.commit();
            } catch (TxnAbortedException e) {
                throw abort(e);
            }
        }

        @Override
        public void close() {
            txn.close();
        }
    }
}
