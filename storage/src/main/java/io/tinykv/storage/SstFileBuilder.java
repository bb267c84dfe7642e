package io.tinykv.storage;

import java.nio.file.Path;
import java.util.Arrays;
import org.rocksdb.EnvOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileWriter;

/**
 * Writes one SST file outside the engines, for {@link Engine#ingestExternalFiles} on this or
 * another store (a region snapshot's column family). Keys must be added in strictly ascending
 * byte order, as RocksDB's default comparator sorts them; a file needs at least one key.
 * Not thread-safe; close it (try-with-resources) whether or not {@link #finish} was reached.
 */
public final class SstFileBuilder implements AutoCloseable {

    static {
        RocksDbLibrary.load();
    }

    private final Path path;
    private final EnvOptions envOptions;
    private final Options options;
    private final SstFileWriter writer;
    private byte[] lastKey;
    private long keys;
    private boolean finished;

    private SstFileBuilder(Path path, EnvOptions envOptions, Options options, SstFileWriter writer) {
        this.path = path;
        this.envOptions = envOptions;
        this.options = options;
        this.writer = writer;
    }

    /**
     * Creates (truncating) the file at {@code path}.
     *
     * @throws StorageException naming the path when it cannot be created
     */
    public static SstFileBuilder create(Path path) {
        EnvOptions envOptions = new EnvOptions();
        // Defaults match the engines' comparator (bytewise) and table format; the ingesting engine
        // reads the file with its own options, so compression and block size need not agree.
        Options options = new Options();
        SstFileWriter writer = new SstFileWriter(envOptions, options);
        try {
            writer.open(path.toString());
        } catch (RocksDBException e) {
            writer.close();
            options.close();
            envOptions.close();
            throw new StorageException("cannot create SST file " + path + ": " + e.getMessage(), e);
        }
        return new SstFileBuilder(path, envOptions, options, writer);
    }

    /**
     * Adds one key-value pair.
     *
     * @throws IllegalArgumentException when {@code key} does not sort after the previous key
     */
    public void put(byte[] key, byte[] value) {
        if (finished) {
            throw new IllegalStateException("SST file " + path + " is already finished");
        }
        if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
            throw new IllegalArgumentException("SST file " + path + ": key " + Keys.describe(key)
                    + " does not sort after " + Keys.describe(lastKey));
        }
        try {
            writer.put(key, value);
        } catch (RocksDBException e) {
            throw new StorageException("writing SST file " + path + " failed: " + e.getMessage(), e);
        }
        lastKey = key.clone();
        keys++;
    }

    public long keys() {
        return keys;
    }

    /**
     * Completes the file and syncs it to disk.
     *
     * @return its size in bytes
     * @throws IllegalStateException when no key was added (RocksDB writes no empty SST file)
     */
    public long finish() {
        if (keys == 0) {
            throw new IllegalStateException("SST file " + path + " has no keys; an empty file cannot be written");
        }
        try {
            writer.finish();
            finished = true;
            return writer.fileSize();
        } catch (RocksDBException e) {
            throw new StorageException("finishing SST file " + path + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        writer.close();
        options.close();
        envOptions.close();
    }
}
