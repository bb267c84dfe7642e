package io.tinykv.txn.mvcc;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Percolator lock, stored in the {@code lock} column family at the encoded user key (no
 * timestamp: a key has at most one lock).
 *
 * @param primary the transaction's primary key, whose commit record decides the transaction
 * @param startTs the transaction's start ts
 * @param ttlMillis how long after {@code physical(startTs)} the lock counts as alive
 * @param minCommitTs the transaction may not commit below this ts (0: no bound); readers below it
 *     can ignore the lock
 * @param txnSize the number of keys the transaction writes, as the client reported it
 * @param shortValue the value when small enough to inline ({@code null} otherwise, or for Delete
 *     and Lock)
 * @param useAsyncCommit whether the lock belongs to an async-commit transaction: it is committed
 *     once all its locks are in, at the largest of their min commit timestamps (which the store
 *     computed and which never move), so a resolver decides it from its locks, not from a TTL
 * @param secondaries the transaction's other keys, on an async-commit primary lock only (a
 *     resolver checks them all); empty otherwise
 */
public record Lock(
        LockKind kind,
        byte[] primary,
        long startTs,
        long ttlMillis,
        long minCommitTs,
        long txnSize,
        byte[] shortValue,
        boolean useAsyncCommit,
        List<byte[]> secondaries) {

    /** Values up to this size live in the lock and commit record instead of the default CF (TiKV's limit). */
    public static final int SHORT_VALUE_MAX_BYTES = 255;
    /** Keys larger than this cannot be valid primaries; guards parsing of corrupt lengths. */
    static final int MAX_PRIMARY_BYTES = 64 * 1024 * 1024;

    static final int FORMAT_VERSION = 1;
    private static final int FLAG_SHORT_VALUE = 1;
    private static final int FLAG_ASYNC_COMMIT = 2;
    private static final int KNOWN_FLAGS = FLAG_SHORT_VALUE | FLAG_ASYNC_COMMIT;
    /** Bounds a corrupt secondaries count (each secondary takes at least its length prefix). */
    private static final int MAX_SECONDARIES = 1 << 20;
    /** version, kind, flags, start ts, ttl, min commit ts, txn size, primary length. */
    private static final int MIN_BODY_BYTES = 3 + 4 * Long.BYTES + Integer.BYTES;

    public Lock {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(primary, "primary");
        primary = primary.clone();
        if (shortValue != null) {
            if (kind != LockKind.PUT) {
                throw new IllegalArgumentException("only a Put lock carries a value, not " + kind);
            }
            if (shortValue.length > SHORT_VALUE_MAX_BYTES) {
                throw new IllegalArgumentException(
                        "short value of " + shortValue.length + " bytes exceeds " + SHORT_VALUE_MAX_BYTES);
            }
            shortValue = shortValue.clone();
        }
        Objects.requireNonNull(secondaries, "secondaries");
        if (!useAsyncCommit && !secondaries.isEmpty()) {
            throw new IllegalArgumentException("only an async-commit lock lists secondaries");
        }
        secondaries = secondaries.stream().map(byte[]::clone).toList();
    }

    /** A lock of an ordinary (two-phase) transaction. */
    public Lock(
            LockKind kind,
            byte[] primary,
            long startTs,
            long ttlMillis,
            long minCommitTs,
            long txnSize,
            byte[] shortValue) {
        this(kind, primary, startTs, ttlMillis, minCommitTs, txnSize, shortValue, false, List.of());
    }

    @Override
    public List<byte[]> secondaries() {
        return secondaries.stream().map(byte[]::clone).toList();
    }

    /** This lock as one of an async-commit transaction, listing {@code newSecondaries} (primary only). */
    public Lock asAsyncCommit(List<byte[]> newSecondaries) {
        return new Lock(kind, primary, startTs, ttlMillis, minCommitTs, txnSize, shortValue, true, newSecondaries);
    }

    @Override
    public byte[] primary() {
        return primary.clone();
    }

    @Override
    public byte[] shortValue() {
        return shortValue == null ? null : shortValue.clone();
    }

    public boolean hasShortValue() {
        return shortValue != null;
    }

    public boolean isPrimary(byte[] key) {
        return Arrays.equals(primary, key);
    }

    public Lock withTtl(long newTtlMillis) {
        return new Lock(
                kind, primary, startTs, newTtlMillis, minCommitTs, txnSize, shortValue, useAsyncCommit, secondaries);
    }

    public Lock withMinCommitTs(long newMinCommitTs) {
        return new Lock(
                kind, primary, startTs, ttlMillis, newMinCommitTs, txnSize, shortValue, useAsyncCommit, secondaries);
    }

    /** The commit record this lock becomes when its transaction commits. */
    public Write toCommitRecord() {
        return new Write(kind.commitKind(), startTs, shortValue, false);
    }

    /** The lock as kvproto reports it to a client that ran into it at {@code key}. */
    public Kvrpcpb.LockInfo toLockInfo(byte[] key) {
        return Kvrpcpb.LockInfo.newBuilder()
                .setPrimaryLock(ByteString.copyFrom(primary))
                .setLockVersion(startTs)
                .setKey(ByteString.copyFrom(key))
                .setLockTtl(ttlMillis)
                .setTxnSize(txnSize)
                .setLockType(kind.op())
                .setMinCommitTs(minCommitTs)
                .setUseAsyncCommit(useAsyncCommit)
                .addAllSecondaries(
                        secondaries.stream().map(ByteString::copyFrom).toList())
                .build();
    }

    public byte[] toBytes() {
        RecordFormat.Builder b = new RecordFormat.Builder()
                .u8(FORMAT_VERSION)
                .u8(kind.code())
                .u8((shortValue != null ? FLAG_SHORT_VALUE : 0) | (useAsyncCommit ? FLAG_ASYNC_COMMIT : 0))
                .u64(startTs)
                .u64(ttlMillis)
                .u64(minCommitTs)
                .u64(txnSize)
                .bytes(primary);
        if (shortValue != null) {
            b.bytes(shortValue);
        }
        if (useAsyncCommit) {
            b.u64(secondaries.size());
            secondaries.forEach(b::bytes);
        }
        return b.seal();
    }

    /**
     * Parses a record written by {@link #toBytes()}.
     *
     * @throws CorruptRecordException naming what is wrong with the bytes
     */
    public static Lock parse(byte[] bytes) {
        RecordFormat.Cursor c = RecordFormat.open(bytes, "lock", MIN_BODY_BYTES);
        c.version(FORMAT_VERSION);
        int code = c.u8("kind");
        LockKind kind = LockKind.fromCode(code);
        if (kind == null) {
            throw c.invalid("unknown kind 0x" + Integer.toHexString(code));
        }
        int flags = c.flags(KNOWN_FLAGS);
        long startTs = c.u64("start ts");
        long ttl = c.u64("ttl");
        long minCommitTs = c.u64("min commit ts");
        long txnSize = c.u64("txn size");
        byte[] primary = c.bytes("primary", MAX_PRIMARY_BYTES);
        byte[] value = null;
        if ((flags & FLAG_SHORT_VALUE) != 0) {
            if (kind != LockKind.PUT) {
                throw c.invalid(kind + " lock carries a value");
            }
            value = c.bytes("short value", SHORT_VALUE_MAX_BYTES);
        }
        boolean async = (flags & FLAG_ASYNC_COMMIT) != 0;
        List<byte[]> secondaries = new ArrayList<>();
        if (async) {
            long count = c.u64("secondaries count");
            if (count < 0 || count > MAX_SECONDARIES) {
                throw c.invalid("secondaries count " + Long.toUnsignedString(count) + " out of range");
            }
            for (long i = 0; i < count; i++) {
                secondaries.add(c.bytes("secondary", MAX_PRIMARY_BYTES));
            }
        }
        c.end();
        return new Lock(kind, primary, startTs, ttl, minCommitTs, txnSize, value, async, secondaries);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Lock l
                && kind == l.kind
                && startTs == l.startTs
                && ttlMillis == l.ttlMillis
                && minCommitTs == l.minCommitTs
                && txnSize == l.txnSize
                && useAsyncCommit == l.useAsyncCommit
                && Arrays.equals(primary, l.primary)
                && Arrays.equals(shortValue, l.shortValue)
                && sameKeys(secondaries, l.secondaries);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                kind,
                startTs,
                ttlMillis,
                minCommitTs,
                txnSize,
                useAsyncCommit,
                secondaries.size(),
                Arrays.hashCode(primary),
                Arrays.hashCode(shortValue));
    }

    private static boolean sameKeys(List<byte[]> a, List<byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!Arrays.equals(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Lock[" + kind + " start=" + Timestamps.format(startTs) + " ttl=" + ttlMillis + "ms"
                + " minCommit=" + Timestamps.format(minCommitTs) + " primary="
                + KeyCodec.hex(primary, primary.length)
                + (shortValue != null ? " value=" + shortValue.length + "B" : "")
                + (useAsyncCommit ? " async secondaries=" + secondaries.size() : "") + "]";
    }
}
