package io.tinykv.txn.mvcc;

import java.util.Arrays;
import java.util.Objects;

/**
 * A commit record, stored in the {@code write} column family at {@code (key, commit_ts)}; for a
 * rollback record the "commit" ts is the start ts of the rolled-back transaction.
 *
 * @param shortValue the value itself when it is small enough to inline ({@code null} otherwise: the
 *     value then lives in the {@code default} column family at {@code (key, startTs)})
 * @param overlappedRollback a rollback of the transaction whose start ts equals this record's
 *     commit ts also happened; both share one engine key, so the rollback survives as this flag
 */
public record Write(WriteKind kind, long startTs, byte[] shortValue, boolean overlappedRollback) {

    /** Version of the binary layout; bump it and keep reading old versions when the layout changes. */
    static final int FORMAT_VERSION = 1;

    private static final int FLAG_SHORT_VALUE = 1;
    private static final int FLAG_OVERLAPPED_ROLLBACK = 1 << 1;
    private static final int KNOWN_FLAGS = FLAG_SHORT_VALUE | FLAG_OVERLAPPED_ROLLBACK;
    /** version, kind, flags, start ts. */
    private static final int MIN_BODY_BYTES = 3 + Long.BYTES;

    public Write {
        Objects.requireNonNull(kind, "kind");
        if (shortValue != null) {
            if (kind != WriteKind.PUT) {
                throw new IllegalArgumentException("only a Put record carries a value, not " + kind);
            }
            if (shortValue.length > Lock.SHORT_VALUE_MAX_BYTES) {
                throw new IllegalArgumentException(
                        "short value of " + shortValue.length + " bytes exceeds " + Lock.SHORT_VALUE_MAX_BYTES);
            }
            shortValue = shortValue.clone();
        }
    }

    public Write(WriteKind kind, long startTs, byte[] shortValue) {
        this(kind, startTs, shortValue, false);
    }

    public static Write rollback(long startTs) {
        return new Write(WriteKind.ROLLBACK, startTs, null, false);
    }

    @Override
    public byte[] shortValue() {
        return shortValue == null ? null : shortValue.clone();
    }

    public boolean hasShortValue() {
        return shortValue != null;
    }

    /** This record with the overlapped-rollback flag set. */
    public Write withOverlappedRollback() {
        return new Write(kind, startTs, shortValue, true);
    }

    public byte[] toBytes() {
        int flags = (shortValue != null ? FLAG_SHORT_VALUE : 0) | (overlappedRollback ? FLAG_OVERLAPPED_ROLLBACK : 0);
        RecordFormat.Builder b = new RecordFormat.Builder()
                .u8(FORMAT_VERSION)
                .u8(kind.code())
                .u8(flags)
                .u64(startTs);
        if (shortValue != null) {
            b.bytes(shortValue);
        }
        return b.seal();
    }

    /**
     * Parses a record written by {@link #toBytes()}.
     *
     * @throws CorruptRecordException naming what is wrong with the bytes
     */
    public static Write parse(byte[] bytes) {
        RecordFormat.Cursor c = RecordFormat.open(bytes, "write", MIN_BODY_BYTES);
        c.version(FORMAT_VERSION);
        int code = c.u8("kind");
        WriteKind kind = WriteKind.fromCode(code);
        if (kind == null) {
            throw c.invalid("unknown kind 0x" + Integer.toHexString(code));
        }
        int flags = c.flags(KNOWN_FLAGS);
        long startTs = c.u64("start ts");
        byte[] value = null;
        if ((flags & FLAG_SHORT_VALUE) != 0) {
            if (kind != WriteKind.PUT) {
                throw c.invalid(kind + " record carries a value");
            }
            value = c.bytes("short value", Lock.SHORT_VALUE_MAX_BYTES);
        }
        c.end();
        return new Write(kind, startTs, value, (flags & FLAG_OVERLAPPED_ROLLBACK) != 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Write w
                && kind == w.kind
                && startTs == w.startTs
                && overlappedRollback == w.overlappedRollback
                && Arrays.equals(shortValue, w.shortValue);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, startTs, overlappedRollback, Arrays.hashCode(shortValue));
    }

    @Override
    public String toString() {
        return "Write[" + kind + " start=" + Timestamps.format(startTs)
                + (shortValue != null ? " value=" + shortValue.length + "B" : "")
                + (overlappedRollback ? " +overlapped-rollback" : "") + "]";
    }
}
