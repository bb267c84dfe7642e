package io.tinykv.client.txn;

import com.google.protobuf.ByteString;
import io.tinykv.client.Backoff;
import io.tinykv.client.BackoffKind;
import io.tinykv.client.CommitUnknownException;
import io.tinykv.client.Failures;
import io.tinykv.client.KeyLockedException;
import io.tinykv.client.KeyValue;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.Keys;
import io.tinykv.client.TxnAbortedException;
import io.tinykv.client.WriteConflictException;
import io.tinykv.client.region.OnDeadline;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.client.region.ScanPages;
import io.tinykv.proto.Kvrpcpb;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * One optimistic transaction under snapshot isolation: it reads the data committed before its start
 * ts (plus its own writes), buffers its writes locally and applies them atomically at {@link #commit}
 * with Percolator's two-phase commit (see {@link TwoPhaseCommitter}). Two transactions that write a
 * common key cannot both commit: the later committer gets a {@link WriteConflictException}.
 *
 * <p>Reads are retried within the backoff budget on region errors, unreachable stores and answers that
 * do not come within the deadline (a read at a fixed snapshot has no effect, so sending it again is
 * always safe; the retry asks PD for the region's leader first). A batch read that is retried sends the
 * keys that got no answer again, regrouped along the current regions: no key is dropped or reported
 * twice.
 *
 * <p>Reads that meet a lock of another transaction resolve it: committed or rolled back (or expired)
 * transactions are finished on the spot; live ones are pushed to commit after this transaction's
 * snapshot and read past, or (when their locks do not allow that) waited for within the backoff budget.
 *
 * <p>Not thread-safe: one transaction belongs to one thread. After {@link #commit} or {@link
 * #rollback} (successful or not) it refuses further use with {@link IllegalStateException}. Closing
 * an unfinished transaction rolls it back.
 */
public final class Transaction implements AutoCloseable {
    /** Where a transaction is in its life. */
    public enum Status {
        /** Reading and buffering writes. */
        ACTIVE,
        /** Committed; {@link #commitTs()} tells when. */
        COMMITTED,
        /** Rolled back, by request or because the commit failed definitely. */
        ROLLED_BACK,
        /** The commit's outcome is unknown ({@link CommitUnknownException}). */
        UNKNOWN
    }

    private final TxnEnv env;
    private final long startTs;
    /** When the start ts was taken, on the client's clock (the locks' TTL counts from then). */
    private final long beganAtMs;
    /** Buffered writes by key: a Put or a Del mutation. */
    private final NavigableMap<ByteString, Kvrpcpb.Mutation> writes = new TreeMap<>(Keys.ORDER);
    /**
     * Live transactions this one may read past: their min commit ts was pushed above our start ts, so
     * they commit after our snapshot (sent to the stores as the context's resolved_locks).
     */
    private final Set<Long> bypassedLocks = new HashSet<>();

    private Status status = Status.ACTIVE;
    private long commitTs;
    private boolean committedInOnePhase;
    private boolean committedAsynchronously;

    Transaction(TxnEnv env, long startTs, long beganAtMs) {
        this.env = env;
        this.startTs = startTs;
        this.beganAtMs = beganAtMs;
    }

    /** The snapshot this transaction reads: a TSO timestamp taken at begin. */
    public long startTs() {
        return startTs;
    }

    /** The commit ts once committed (the start ts for a transaction that wrote nothing), else 0. */
    public long commitTs() {
        return commitTs;
    }

    public Status status() {
        return status;
    }

    /**
     * Whether the commit took one round trip (1PC: the store committed with the prewrite and chose the
     * commit ts) rather than two phases.
     */
    public boolean committedInOnePhase() {
        return committedInOnePhase;
    }

    /**
     * Whether the commit was decided by the prewrites (async commit: the stores chose the commit ts, and
     * the keys were committed in the background after the commit was reported).
     */
    public boolean committedAsynchronously() {
        return committedAsynchronously;
    }

    /** The value of {@code key} as this transaction sees it (its own writes included). */
    public Optional<ByteString> get(ByteString key) {
        checkKey(key);
        requireActive();
        Kvrpcpb.Mutation own = writes.get(key);
        if (own != null) {
            return valueOf(own);
        }
        Backoff backoff = env.newBackoff();
        while (true) {
            Kvrpcpb.GetResponse response = env.router()
                    .sendForKey(
                            "get",
                            key,
                            (stub, ctx) -> stub.kvGet(Kvrpcpb.GetRequest.newBuilder()
                                    .setContext(readContext(ctx))
                                    .setKey(key)
                                    .setVersion(startTs)
                                    .build()),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            backoff,
                            OnDeadline.RETRY);
            if (response.hasError()) {
                waitForLocks("get", List.of(lockOf("get", key, response.getError())), backoff);
                continue;
            }
            return response.getNotFound() ? Optional.empty() : Optional.of(response.getValue());
        }
    }

    /** The values of those {@code keys} that have one (own writes included), in the order given. */
    public Map<ByteString, ByteString> batchGet(List<ByteString> keys) {
        Objects.requireNonNull(keys, "keys");
        keys.forEach(Transaction::checkKey);
        requireActive();
        Map<ByteString, ByteString> found = new HashMap<>();
        List<ByteString> remote =
                keys.stream().filter(k -> !writes.containsKey(k)).distinct().toList();
        Backoff backoff = env.newBackoff();
        env.router()
                .sendGrouped(
                        "batchGet",
                        remote,
                        (stub, ctx, group) -> stub.kvBatchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                                .setContext(readContext(ctx))
                                .addAllKeys(group)
                                .setVersion(startTs)
                                .build()),
                        r -> r.hasRegionError() ? r.getRegionError() : null,
                        (group, response) -> {
                            List<Kvrpcpb.LockInfo> locks = new ArrayList<>();
                            if (response.hasError()) {
                                locks.add(lockOf("batchGet", group.get(0), response.getError()));
                            }
                            for (Kvrpcpb.KvPair pair : response.getPairsList()) {
                                if (pair.hasError()) {
                                    locks.add(lockOf("batchGet", pair.getKey(), pair.getError()));
                                } else {
                                    found.put(pair.getKey(), pair.getValue());
                                }
                            }
                            if (locks.isEmpty()) {
                                return List.of();
                            }
                            waitForLocks("batchGet", locks, backoff);
                            // The values read are final at our start ts; only the locked keys need reading again.
                            return response.hasError()
                                    ? group
                                    : locks.stream()
                                            .map(Kvrpcpb.LockInfo::getKey)
                                            .toList();
                        },
                        backoff,
                        OnDeadline.RETRY);
        Map<ByteString, ByteString> ordered = new LinkedHashMap<>();
        for (ByteString key : keys) {
            Kvrpcpb.Mutation own = writes.get(key);
            Optional<ByteString> value = own != null ? valueOf(own) : Optional.ofNullable(found.get(key));
            value.ifPresent(v -> ordered.put(key, v));
        }
        return ordered;
    }

    /**
     * Up to {@code limit} pairs with keys in {@code [startKey, endKey)} as this transaction sees them
     * (its own writes included), in ascending key order, across regions. The whole scan reads one
     * snapshot, the transaction's.
     *
     * @param endKey exclusive; empty means to the end of the key space
     */
    public List<KeyValue> scan(ByteString startKey, ByteString endKey, int limit) {
        Keys.checkScanArguments(startKey, endKey, limit);
        requireActive();
        NavigableMap<ByteString, Kvrpcpb.Mutation> own =
                endKey.isEmpty() ? writes.tailMap(startKey, true) : writes.subMap(startKey, true, endKey, false);
        // Each own delete may hide one stored pair, so that many more than the limit may be needed.
        int needed = (int) Math.min(Integer.MAX_VALUE, (long) limit + own.size());
        SnapshotScan stored =
                new SnapshotScan(startKey, endKey, Math.min(needed, env.config().scanPageSizeKeys()));
        Iterator<Map.Entry<ByteString, Kvrpcpb.Mutation>> ownEntries =
                own.entrySet().iterator();
        Map.Entry<ByteString, Kvrpcpb.Mutation> nextOwn = ownEntries.hasNext() ? ownEntries.next() : null;
        List<KeyValue> out = new ArrayList<>();
        while (out.size() < limit) {
            KeyValue nextStored = stored.peek();
            if (nextStored == null && nextOwn == null) {
                break;
            }
            int order =
                    nextStored == null ? 1 : nextOwn == null ? -1 : Keys.compare(nextStored.key(), nextOwn.getKey());
            if (order < 0) {
                out.add(stored.next());
                continue;
            }
            if (order == 0) {
                stored.next(); // our own write replaces the stored value
            }
            Map.Entry<ByteString, Kvrpcpb.Mutation> mine = nextOwn;
            valueOf(mine.getValue()).ifPresent(v -> out.add(new KeyValue(mine.getKey(), v)));
            nextOwn = ownEntries.hasNext() ? ownEntries.next() : null;
        }
        return out;
    }

    /** Buffers setting {@code key} to {@code value}. */
    public void put(ByteString key, ByteString value) {
        checkKey(key);
        Objects.requireNonNull(value, "value");
        requireActive();
        writes.put(
                key,
                Kvrpcpb.Mutation.newBuilder()
                        .setOp(Kvrpcpb.Op.Put)
                        .setKey(key)
                        .setValue(value)
                        .build());
    }

    /** Buffers removing {@code key} (removing an absent key is allowed and writes a delete). */
    public void delete(ByteString key) {
        checkKey(key);
        requireActive();
        writes.put(
                key,
                Kvrpcpb.Mutation.newBuilder().setOp(Kvrpcpb.Op.Del).setKey(key).build());
    }

    /**
     * Commits the buffered writes atomically. A transaction without writes has nothing to commit and
     * just finishes (its commit ts is its start ts).
     *
     * @return the commit ts
     * @throws WriteConflictException when another transaction committed one of our keys after our start:
     *                                rolled back, run the transaction again
     * @throws TxnAbortedException    when the transaction did not commit for another reason
     * @throws CommitUnknownException when it may or may not have committed; see there
     */
    public long commit() {
        requireActive();
        if (writes.isEmpty()) {
            status = Status.COMMITTED;
            env.openTransactions().closed(startTs);
            commitTs = startTs;
            return commitTs;
        }
        try {
            TwoPhaseCommitter committer = committer();
            commitTs = committer.commit();
            committedInOnePhase = committer.committedInOnePhase();
            committedAsynchronously = committer.committedAsynchronously();
            status = Status.COMMITTED;
            return commitTs;
        } catch (TxnAbortedException e) {
            status = Status.ROLLED_BACK;
            throw e;
        } catch (RuntimeException e) {
            // CommitUnknownException, or something the committer did not expect: not known to be either.
            status = Status.UNKNOWN;
            throw e;
        } finally {
            env.openTransactions().closed(startTs);
        }
    }

    /**
     * Abandons the transaction. Nothing was sent to the stores before {@link #commit}, so this only
     * drops the buffer.
     */
    public void rollback() {
        requireActive();
        writes.clear();
        status = Status.ROLLED_BACK;
        env.openTransactions().closed(startTs);
    }

    /** Rolls back a transaction that is still active; does nothing otherwise. */
    @Override
    public void close() {
        if (status == Status.ACTIVE) {
            rollback();
        }
    }

    /** For tests: the committer of the buffered writes, to run the commit steps one by one. */
    TwoPhaseCommitter committer() {
        return new TwoPhaseCommitter(env, startTs, writes, beganAtMs);
    }

    /**
     * Resolves {@code locks}; when some of them belong to live transactions, waits before the caller
     * reads again.
     *
     * @throws KeyLockedException when the budget ran out waiting
     */
    private void waitForLocks(String op, List<Kvrpcpb.LockInfo> locks, Backoff backoff) {
        if (env.resolver().resolve(locks, startTs, bypassedLocks, backoff)) {
            return;
        }
        Kvrpcpb.LockInfo first = locks.get(0);
        String reason = op + " meets the live lock of txn " + Long.toUnsignedString(first.getLockVersion()) + " on "
                + Keys.describe(first.getKey());
        if (!backoff.sleepThenRetry(BackoffKind.TXN_LOCK_ALIVE, reason, 0)) {
            throw new KeyLockedException(
                    startTs,
                    first.getKey(),
                    first.getLockVersion(),
                    op + " of txn " + Long.toUnsignedString(startTs) + ": " + backoff.givingUpMessage());
        }
    }

    private Kvrpcpb.Context readContext(Kvrpcpb.Context routing) {
        return bypassedLocks.isEmpty()
                ? routing
                : routing.toBuilder().addAllResolvedLocks(bypassedLocks).build();
    }

    /** The lock a read error reports; any other error is reported as it is. */
    private static Kvrpcpb.LockInfo lockOf(String op, ByteString key, Kvrpcpb.KeyError error) {
        if (!error.hasLocked()) {
            throw new KeyValueException(op + " " + Keys.describe(key) + ": " + Failures.describe(error));
        }
        return error.getLocked();
    }

    private static Optional<ByteString> valueOf(Kvrpcpb.Mutation mutation) {
        return mutation.getOp() == Kvrpcpb.Op.Put ? Optional.of(mutation.getValue()) : Optional.empty();
    }

    private static void checkKey(ByteString key) {
        Objects.requireNonNull(key, "key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("transactional keys must not be empty");
        }
    }

    private void requireActive() {
        if (status != Status.ACTIVE) {
            throw new IllegalStateException("transaction " + Long.toUnsignedString(startTs) + " is "
                    + status.name().toLowerCase(java.util.Locale.ROOT) + ", it cannot be used any more");
        }
    }

    /**
     * The committed pairs of a range at our start ts, fetched page by page, region by region, as the
     * merge in {@link #scan} consumes them. Locks met on the way are resolved (or waited for) and the
     * page is read again.
     */
    private final class SnapshotScan {
        private final ByteString endKey;
        private final int pageSizeKeys;
        private final Backoff backoff = env.newBackoff();
        private final java.util.ArrayDeque<KeyValue> buffered = new java.util.ArrayDeque<>();
        private ByteString cursor;
        private boolean exhausted;

        SnapshotScan(ByteString startKey, ByteString endKey, int pageSizeKeys) {
            this.cursor = startKey;
            this.endKey = endKey;
            this.pageSizeKeys = pageSizeKeys;
        }

        /** The next pair without consuming it; null at the end. */
        KeyValue peek() {
            while (buffered.isEmpty() && !exhausted) {
                fetchPage();
            }
            return buffered.peek();
        }

        KeyValue next() {
            KeyValue next = peek();
            if (next == null) {
                throw new java.util.NoSuchElementException();
            }
            return buffered.poll();
        }

        private void fetchPage() {
            if (!Keys.belowEnd(cursor, endKey)) {
                exhausted = true;
                return;
            }
            Optional<RegionInfo> found = env.router().cache().locate(cursor);
            if (found.isEmpty()) {
                env.router().sender().regionMissing("scan", "key " + Keys.describe(cursor), backoff);
                return;
            }
            RegionInfo region = found.get();
            ByteString from = cursor;
            ByteString to = Keys.minEnd(endKey, region.endKey());
            Optional<Kvrpcpb.ScanResponse> answer = env.router()
                    .sender()
                    .attempt(
                            "scan",
                            region,
                            (stub, ctx) -> stub.kvScan(Kvrpcpb.ScanRequest.newBuilder()
                                    .setContext(readContext(ctx))
                                    .setStartKey(from)
                                    .setEndKey(to)
                                    .setLimit(pageSizeKeys)
                                    .setVersion(startTs)
                                    .build()),
                            r -> r.hasRegionError() ? r.getRegionError() : null,
                            backoff,
                            OnDeadline.RETRY);
            if (answer.isEmpty()) {
                return;
            }
            Kvrpcpb.ScanResponse response = answer.get();
            List<Kvrpcpb.LockInfo> locks = new ArrayList<>();
            if (response.hasError()) {
                locks.add(lockOf("scan", from, response.getError()));
            }
            for (Kvrpcpb.KvPair pair : response.getPairsList()) {
                if (pair.hasError()) {
                    locks.add(lockOf("scan", pair.getKey(), pair.getError()));
                }
            }
            if (!locks.isEmpty()) {
                waitForLocks("scan", locks, backoff);
                return; // read the same page again
            }
            List<Kvrpcpb.KvPair> pairs = response.getPairsList();
            ScanPages.check(pairs, pageSizeKeys, from, to, false);
            pairs.forEach(pair -> buffered.add(new KeyValue(pair.getKey(), pair.getValue())));
            if (pairs.size() == pageSizeKeys) {
                cursor = Keys.next(pairs.get(pairs.size() - 1).getKey());
            } else if (region.endKey().isEmpty() || !Keys.belowEnd(region.endKey(), endKey)) {
                exhausted = true;
            } else {
                cursor = region.endKey();
            }
        }
    }
}
