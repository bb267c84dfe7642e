package io.tinykv.txn.mvcc;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The framing shared by {@link Write} and {@link Lock} records: a format version byte first, a
 * CRC32C of everything before it last. Parsing goes through a bounds-checked {@link Cursor} so that
 * a truncated, extended or bit-flipped record fails with a message saying what and where, instead
 * of decoding into plausible garbage.
 */
final class RecordFormat {

    static final int CHECKSUM_BYTES = Integer.BYTES;

    private RecordFormat() {}

    /** Builds a record body; {@link #seal()} appends the checksum. */
    static final class Builder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Builder u8(int value) {
            out.write(value);
            return this;
        }

        Builder u64(long value) {
            out.writeBytes(ByteBuffer.allocate(Long.BYTES).putLong(value).array());
            return this;
        }

        Builder bytes(byte[] value) {
            out.writeBytes(
                    ByteBuffer.allocate(Integer.BYTES).putInt(value.length).array());
            out.writeBytes(value);
            return this;
        }

        byte[] seal() {
            byte[] body = out.toByteArray();
            CRC32C crc = new CRC32C();
            crc.update(body);
            return ByteBuffer.allocate(body.length + CHECKSUM_BYTES)
                    .put(body)
                    .putInt((int) crc.getValue())
                    .array();
        }
    }

    /**
     * Checks the checksum of {@code record} and returns a cursor over its body.
     *
     * @param what the record type, for error messages
     */
    static Cursor open(byte[] record, String what, int minBodyBytes) {
        if (record == null) {
            throw new CorruptRecordException(what + " record is null");
        }
        if (record.length < minBodyBytes + CHECKSUM_BYTES) {
            throw new CorruptRecordException(what + " record too short: " + record.length + " bytes, need at least "
                    + (minBodyBytes + CHECKSUM_BYTES));
        }
        int bodyLength = record.length - CHECKSUM_BYTES;
        CRC32C crc = new CRC32C();
        crc.update(record, 0, bodyLength);
        int stored = ByteBuffer.wrap(record, bodyLength, CHECKSUM_BYTES).getInt();
        if (stored != (int) crc.getValue()) {
            throw new CorruptRecordException(what + " record checksum mismatch (stored "
                    + Integer.toHexString(stored) + ", computed " + Long.toHexString(crc.getValue())
                    + ") in " + record.length + " bytes");
        }
        return new Cursor(ByteBuffer.wrap(record, 0, bodyLength), what);
    }

    /** Reads a record body with bounds checks. */
    static final class Cursor {
        private final ByteBuffer buffer;
        private final String what;

        private Cursor(ByteBuffer buffer, String what) {
            this.buffer = buffer;
            this.what = what;
        }

        int u8(String field) {
            need(1, field);
            return buffer.get() & 0xFF;
        }

        long u64(String field) {
            need(Long.BYTES, field);
            return buffer.getLong();
        }

        byte[] bytes(String field, int maxBytes) {
            need(Integer.BYTES, field + " length");
            int length = buffer.getInt();
            if (length < 0 || length > maxBytes) {
                throw new CorruptRecordException(
                        what + " record has invalid " + field + " length " + length + " (allowed 0.." + maxBytes + ")");
            }
            need(length, field);
            byte[] value = new byte[length];
            buffer.get(value);
            return value;
        }

        /** Reads the format version byte and refuses any version but {@code expected}. */
        void version(int expected) {
            int version = u8("version");
            if (version != expected) {
                throw invalid("unsupported format version " + version);
            }
        }

        /** Reads the flags byte and refuses bits outside {@code knownFlags}: they mean a newer format. */
        int flags(int knownFlags) {
            int flags = u8("flags");
            if ((flags & ~knownFlags) != 0) {
                throw invalid("unknown flags 0x" + Integer.toHexString(flags));
            }
            return flags;
        }

        /** Fails if anything is left: an unknown trailing field is as suspect as a missing one. */
        void end() {
            if (buffer.hasRemaining()) {
                throw new CorruptRecordException(
                        what + " record has " + buffer.remaining() + " unexpected trailing bytes");
            }
        }

        CorruptRecordException invalid(String message) {
            return new CorruptRecordException(what + " record: " + message);
        }

        private void need(int bytes, String field) {
            if (buffer.remaining() < bytes) {
                throw new CorruptRecordException(what + " record truncated reading " + field + ": need " + bytes
                        + " bytes, have " + buffer.remaining());
            }
        }
    }
}
