package io.tinykv.storage;

import java.nio.file.Path;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.SstFileReader;
import org.rocksdb.SstFileReaderIterator;

/**
 * The smallest and largest key of an SST file, read from the file itself (not from what a sender
 * says about it): what a received snapshot's files are checked against before they are ingested.
 *
 * @param smallest the first key in the file's order (bytewise, RocksDB's default comparator)
 * @param largest the last key
 */
public record SstKeyRange(byte[] smallest, byte[] largest) {

    static {
        RocksDbLibrary.load();
    }

    /**
     * @throws IllegalArgumentException when the file is not a readable SST file or holds no key
     */
    public static SstKeyRange of(Path file) {
        try (Options options = new Options();
                SstFileReader reader = new SstFileReader(options)) {
            reader.open(file.toString());
            reader.verifyChecksum();
            try (ReadOptions read = new ReadOptions();
                    SstFileReaderIterator it = reader.newIterator(read)) {
                it.seekToFirst();
                if (!it.isValid()) {
                    throw new IllegalArgumentException("SST file " + file + " holds no key");
                }
                byte[] smallest = it.key();
                it.seekToLast();
                byte[] largest = it.key();
                it.status();
                return new SstKeyRange(smallest, largest);
            }
        } catch (RocksDBException e) {
            throw new IllegalArgumentException("SST file " + file + " is unreadable: " + e.getMessage(), e);
        }
    }
}
