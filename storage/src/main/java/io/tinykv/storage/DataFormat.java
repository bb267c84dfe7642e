package io.tinykv.storage;

import java.util.Optional;

/**
 * How a store lays out its user data on disk, fixed when the store's data is created because
 * changing it would misread everything already written. Today one choice: whether raw values carry
 * an expiry ({@link RawValue}, TiKV's {@code storage.enable-ttl}).
 *
 * <p>Stored under {@link Keys#DATA_FORMAT_KEY} as two bytes: the record's version
 * ({@value #VERSION}), then flags (bit 0: raw values carry an expiry). A store written before the
 * format was recorded has no such key; its raw values carry no expiry ({@link #WITHOUT_TTL}).
 *
 * @param rawValueTtl raw values are stored with an expiry
 */
public record DataFormat(boolean rawValueTtl) {

    public static final DataFormat WITHOUT_TTL = new DataFormat(false);
    public static final DataFormat WITH_TTL = new DataFormat(true);

    private static final byte VERSION = 1;
    private static final int LENGTH = 2;
    private static final byte RAW_VALUE_TTL_FLAG = 0b1;
    private static final byte KNOWN_FLAGS = RAW_VALUE_TTL_FLAG;

    public static DataFormat of(boolean rawValueTtl) {
        return rawValueTtl ? WITH_TTL : WITHOUT_TTL;
    }

    /**
     * The format recorded in {@code kv}, if any.
     *
     * @throws StorageException when the record is not one this version wrote (corrupt, or newer)
     */
    public static Optional<DataFormat> read(Engine kv) {
        byte[] bytes = kv.get(Cf.DEFAULT, Keys.DATA_FORMAT_KEY);
        return bytes == null ? Optional.empty() : Optional.of(decode(bytes, kv));
    }

    /** Records this format in {@code kv}, synced. */
    public void persist(Engine kv) {
        try (EngineWriteBatch wb = kv.newWriteBatch()) {
            wb.put(Cf.DEFAULT, Keys.DATA_FORMAT_KEY, encode());
            kv.write(wb, true);
        }
    }

    byte[] encode() {
        return new byte[] {VERSION, rawValueTtl ? RAW_VALUE_TTL_FLAG : 0};
    }

    static DataFormat decode(byte[] bytes, Object where) {
        if (bytes.length != LENGTH || bytes[0] != VERSION || (bytes[1] & ~KNOWN_FLAGS) != 0) {
            throw new StorageException("unreadable data format record " + Keys.describe(bytes) + " in " + where
                    + " (expected version " + VERSION + " with flags " + KNOWN_FLAGS
                    + " at most): the data was written by another version or is corrupt");
        }
        return of((bytes[1] & RAW_VALUE_TTL_FLAG) != 0);
    }

    /** The setting's name and value as an operator writes it, e.g. {@code storage.enable-ttl = true}. */
    public String describe() {
        return "storage.enable-ttl = " + rawValueTtl;
    }
}
