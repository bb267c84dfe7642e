package io.tinykv.storage;

import java.util.Locale;

/**
 * The column families of the kv engine. {@code default} holds user values (raw values, and
 * transactional values too large to inline), {@code lock} holds Percolator locks, {@code write}
 * holds commit records.
 */
public enum Cf {
    DEFAULT("default"),
    LOCK("lock"),
    WRITE("write");

    private final String apiName;

    Cf(String apiName) {
        this.apiName = apiName;
    }

    /** The name clients use on the wire and RocksDB uses on disk. */
    public String apiName() {
        return apiName;
    }

    /**
     * Parses a column family as a client names it; the empty string means {@code default}.
     *
     * @throws IllegalArgumentException naming the unknown column family
     */
    public static Cf fromApiName(String name) {
        if (name == null || name.isEmpty()) {
            return DEFAULT;
        }
        for (Cf cf : values()) {
            if (cf.apiName.equals(name.toLowerCase(Locale.ROOT))) {
                return cf;
            }
        }
        throw new IllegalArgumentException(
                "unknown column family '" + name + "' (expected one of default, lock, write)");
    }
}
