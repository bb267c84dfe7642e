package io.tinykv.bench.testing;

import io.tinykv.bench.txn.TxnAbortException;
import io.tinykv.bench.txn.TxnOutcome;
import io.tinykv.bench.txn.TxnSession;
import io.tinykv.bench.txn.TxnTarget;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A map with transactions: writes are buffered per session and applied on commit. Every commit
 * takes virtual time on a {@link FakeClock}, and commits can be made to fail by their global
 * sequence number (the n-th commit attempt), so counts are the same however threads interleave.
 * Every session call is logged as text ("begin", "get KEY", "put KEY", "commit", "close").
 */
public final class InMemoryTxnTarget implements TxnTarget {

    /** How the n-th commit attempt (counting from 1) ends. */
    @FunctionalInterface
    public interface CommitRule {
        /** null lets the commit succeed; otherwise how it fails. */
        Failure decide(long attempt);
    }

    /** A commit that fails: with an abort of this outcome, or with an error when {@code outcome} is null. */
    public record Failure(TxnOutcome outcome) {}

    private final FakeClock clock;
    private final Duration commitLatency;
    private final CommitRule rule;
    private final Map<ByteBuffer, byte[]> data = new ConcurrentHashMap<>();
    private final AtomicLong attempts = new AtomicLong();
    private final List<List<String>> sessions = Collections.synchronizedList(new ArrayList<>());
    public volatile boolean opened;
    public volatile boolean closed;

    public InMemoryTxnTarget(FakeClock clock, Duration commitLatency, CommitRule rule) {
        this.clock = clock;
        this.commitLatency = commitLatency;
        this.rule = rule;
    }

    /** Never fails, takes no time. */
    public static InMemoryTxnTarget instant() {
        return new InMemoryTxnTarget(null, Duration.ZERO, attempt -> null);
    }

    @Override
    public String name() {
        return "fake-txn";
    }

    @Override
    public void open() {
        opened = true;
    }

    @Override
    public TxnSession begin() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        log.add("begin");
        sessions.add(log);
        return new Session(log);
    }

    @Override
    public void close() {
        closed = true;
    }

    public Map<ByteBuffer, byte[]> data() {
        return data;
    }

    /** The call log of every session, in the order they began. */
    public List<List<String>> sessions() {
        synchronized (sessions) {
            return List.copyOf(sessions);
        }
    }

    public static String text(byte[] key) {
        boolean printable = true;
        for (byte b : key) {
            printable &= b >= ' ' && b < 127;
        }
        return printable
                ? new String(key, StandardCharsets.US_ASCII)
                : HexFormat.of().formatHex(key);
    }

    private final class Session implements TxnSession {
        private final List<String> log;
        private final Map<ByteBuffer, byte[]> writes = new LinkedHashMap<>();
        private boolean finished;

        Session(List<String> log) {
            this.log = log;
        }

        @Override
        public byte[] get(byte[] key) {
            log.add("get " + text(key));
            byte[] own = writes.get(ByteBuffer.wrap(key));
            byte[] v = own != null ? own : data.get(ByteBuffer.wrap(key));
            return v == null ? null : v.clone();
        }

        @Override
        public void put(byte[] key, byte[] value) {
            log.add("put " + text(key));
            writes.put(ByteBuffer.wrap(key.clone()), value.clone());
        }

        @Override
        public void commit() throws TxnAbortException {
            log.add("commit");
            if (clock != null) {
                clock.advance(commitLatency);
            }
            finished = true;
            Failure failure = rule.decide(attempts.incrementAndGet());
            if (failure != null) {
                if (failure.outcome() == null) {
                    throw new IllegalStateException("injected commit error");
                }
                throw new TxnAbortException(failure.outcome(), "injected " + failure.outcome(), null);
            }
            data.putAll(writes);
        }

        @Override
        public void close() {
            log.add(finished ? "close" : "close (rollback)");
            writes.clear();
        }
    }
}
