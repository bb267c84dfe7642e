package io.tinykv.bench.target;

import java.nio.file.Files;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * RocksDB opened in this process, with no server, network or replication in the way: the ceiling
 * the physical store puts on any system built on it. Writes go through the WAL and, with
 * {@code syncWrites}, are fsynced one by one, as tinykv standalone does for every write.
 */
public final class RocksDbTarget implements BenchTarget {

    private final TargetSpec.RocksDb spec;
    private Options options;
    private WriteOptions writeOptions;
    private RocksDB db;

    public RocksDbTarget(TargetSpec.RocksDb spec) {
        this.spec = spec;
    }

    @Override
    public String name() {
        return "rocksdb";
    }

    @Override
    public void open() throws Exception {
        RocksDB.loadLibrary();
        Files.createDirectories(spec.dataDir());
        options = new Options().setCreateIfMissing(true);
        writeOptions = new WriteOptions().setSync(spec.syncWrites()).setDisableWAL(false);
        try {
            db = RocksDB.open(options, spec.dataDir().toString());
        } catch (RocksDBException e) {
            close();
            throw new IllegalStateException("cannot open RocksDB at " + spec.dataDir() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] get(byte[] key) throws RocksDBException {
        return db.get(key);
    }

    @Override
    public void put(byte[] key, byte[] value) throws RocksDBException {
        db.put(writeOptions, key, value);
    }

    @Override
    public void close() {
        if (db != null) {
            db.close();
            db = null;
        }
        if (writeOptions != null) {
            writeOptions.close();
            writeOptions = null;
        }
        if (options != null) {
            options.close();
            options = null;
        }
    }
}
