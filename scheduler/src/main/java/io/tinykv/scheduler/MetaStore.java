package io.tinykv.scheduler;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.tinykv.proto.Metapb;
import io.tinykv.storage.Engine;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.RocksDbLibrary;
import io.tinykv.storage.StorageException;
import io.tinykv.storage.StorageFaults;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The scheduler's durable state in one RocksDB: cluster id, bootstrapped flag, stores, regions and
 * the id and TSO high-water marks. Every write is synced. Every record read back is checked; an
 * unreadable or foreign database refuses to open with a message naming the directory and the
 * problem, so the scheduler never starts on metadata it cannot trust. Thread-safe.
 *
 * <p>A failed write halts the process ({@link ProcessHalter}, fail-stop, DESIGN.md §6): the ids
 * and timestamps handed out rest on these writes, and after a failed sync a later write that
 * "succeeds" cannot be trusted. When the halter returns (tests), every later write is refused.
 * The WAL is replayed like the store engines' ({@link Engine#WAL_RECOVERY_MODE}).
 *
 * <p>Layout: {@code meta/format} (a version string), {@code meta/cluster_id},
 * {@code meta/bootstrapped}, {@code meta/id_end}, {@code meta/tso_limit} (8-byte big-endian numbers,
 * the flag one byte), {@code store/<id>} ({@code metapb.Store}), {@code region/<id>}
 * ({@code metapb.Region}), ids as 8-byte big-endian.
 */
public final class MetaStore implements AutoCloseable {

    static final String FORMAT = "tinykv-scheduler-meta-v1";
    private static final byte[] FORMAT_KEY = key("meta/format");
    private static final byte[] CLUSTER_ID_KEY = key("meta/cluster_id");
    private static final byte[] BOOTSTRAPPED_KEY = key("meta/bootstrapped");
    static final String ID_END = "meta/id_end";
    /** The TSO's persisted limit; public so that an old standalone's limit can be carried over. */
    public static final String TSO_LIMIT = "meta/tso_limit";

    static final String GC_SAFE_POINT = "gc/safe_point";
    private static final byte[] STORE_PREFIX = key("store/");
    private static final byte[] REGION_PREFIX = key("region/");
    private static final byte[] STORE_BINDING_PREFIX = key("store-binding/");
    private static final byte[] SERVICE_SAFE_POINT_PREFIX = key("gc/service/");
    private static final byte[] TRUE = {1};

    static {
        RocksDbLibrary.load();
    }

    private final Path dir;
    private final Options options;
    private final WriteOptions syncWrite;
    private final RocksDB db;
    private final ProcessHalter halter;
    /** The first write failure; from then on writes are refused. */
    private volatile Throwable writeFailure;
    /** The test seam; null in production. */
    private volatile StorageFaults faults;

    private MetaStore(Path dir, Options options, WriteOptions syncWrite, RocksDB db, ProcessHalter halter) {
        this.dir = dir;
        this.options = options;
        this.syncWrite = syncWrite;
        this.db = db;
        this.halter = halter;
    }

    /**
     * Opens (creating when missing) the metadata database in {@code dir}.
     *
     * @throws IllegalStateException naming the directory when it cannot be opened, is corrupt, or
     *     holds something other than scheduler metadata
     */
    public static MetaStore open(Path dir) {
        return open(dir, ProcessHalter.RUNTIME);
    }

    /** Like {@link #open(Path)}; a failed write goes to {@code halter}. */
    public static MetaStore open(Path dir, ProcessHalter halter) {
        Objects.requireNonNull(halter, "halter");
        Options options = new Options()
                .setCreateIfMissing(true)
                .setParanoidChecks(true)
                .setWalRecoveryMode(Engine.WAL_RECOVERY_MODE);
        WriteOptions syncWrite = new WriteOptions().setSync(true);
        RocksDB db = null;
        try {
            Files.createDirectories(dir);
            db = RocksDB.open(options, dir.toString());
            MetaStore store = new MetaStore(dir, options, syncWrite, db, halter);
            store.checkFormat();
            return store;
        } catch (RocksDBException | IOException | RuntimeException e) {
            if (db != null) {
                db.close();
            }
            syncWrite.close();
            options.close();
            if (e instanceof IllegalStateException ise) {
                throw ise;
            }
            throw new IllegalStateException("cannot open the scheduler metadata in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    private void checkFormat() throws RocksDBException {
        byte[] format = db.get(FORMAT_KEY);
        if (format == null) {
            try (RocksIterator it = db.newIterator()) {
                it.seekToFirst();
                if (it.isValid()) {
                    throw corrupt("it holds data but no format marker; is this a scheduler data directory?");
                }
            }
            db.put(syncWrite, FORMAT_KEY, FORMAT.getBytes(StandardCharsets.UTF_8));
            return;
        }
        String found = new String(format, StandardCharsets.UTF_8);
        if (!found.equals(FORMAT)) {
            throw corrupt("unknown format '" + found + "' (expected '" + FORMAT + "')");
        }
    }

    public OptionalLong clusterId() {
        return readLong(CLUSTER_ID_KEY);
    }

    public void putClusterId(long clusterId) {
        put(CLUSTER_ID_KEY, longBytes(clusterId), "the cluster id");
    }

    public boolean isBootstrapped() {
        byte[] value = get(BOOTSTRAPPED_KEY);
        if (value == null) {
            return false;
        }
        if (!Arrays.equals(value, TRUE)) {
            throw corrupt("meta/bootstrapped holds " + HexFormat.of().formatHex(value));
        }
        return true;
    }

    /** Writes the first store, the first region and the bootstrapped flag in one atomic batch. */
    public void bootstrap(Metapb.Store store, Metapb.Region region) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(idKey(STORE_PREFIX, store.getId()), store.toByteArray());
            batch.put(idKey(REGION_PREFIX, region.getId()), region.toByteArray());
            batch.put(BOOTSTRAPPED_KEY, TRUE);
            write(batch, "bootstrap");
        } catch (RocksDBException e) {
            throw writeFailed("bootstrap", e);
        }
    }

    public void putStore(Metapb.Store store) {
        put(idKey(STORE_PREFIX, store.getId()), store.toByteArray(), "store " + store.getId());
    }

    /** The certificate identity store {@code storeId} is bound to ({@link StoreBindings}), or null. */
    public String storeBinding(long storeId) {
        byte[] value = get(idKey(STORE_BINDING_PREFIX, storeId));
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    public void putStoreBinding(long storeId, String identity) {
        put(
                idKey(STORE_BINDING_PREFIX, storeId),
                identity.getBytes(StandardCharsets.UTF_8),
                "the certificate binding of store " + storeId);
    }

    /** Deletes a store's record (a tombstone the operator removed). */
    public void deleteStore(long storeId) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.delete(idKey(STORE_PREFIX, storeId));
            write(batch, "store " + storeId);
        } catch (RocksDBException e) {
            throw writeFailed("store " + storeId, e);
        }
    }

    /** Writes {@code region} and deletes the regions it replaced, atomically. */
    public void putRegion(Metapb.Region region, List<Long> removedRegionIds) {
        try (WriteBatch batch = new WriteBatch()) {
            for (long removed : removedRegionIds) {
                batch.delete(idKey(REGION_PREFIX, removed));
            }
            batch.put(idKey(REGION_PREFIX, region.getId()), region.toByteArray());
            write(batch, "region " + region.getId());
        } catch (RocksDBException e) {
            throw writeFailed("region " + region.getId(), e);
        }
    }

    public List<Metapb.Store> loadStores() {
        return loadAll(STORE_PREFIX, Metapb.Store.parser(), "store");
    }

    public List<Metapb.Region> loadRegions() {
        return loadAll(REGION_PREFIX, Metapb.Region.parser(), "region");
    }

    /** Records (or replaces) a service's GC safe point. */
    public void putServiceSafePoint(ServiceSafePoint point) {
        byte[] value = ByteBuffer.allocate(2 * Long.BYTES)
                .putLong(point.safePoint())
                .putLong(point.expiresAtMillis())
                .array();
        put(serviceKey(point.serviceId()), value, "service safe point " + point.serviceId());
    }

    public void deleteServiceSafePoint(String serviceId) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.delete(serviceKey(serviceId));
            write(batch, "service safe point " + serviceId);
        } catch (RocksDBException e) {
            throw writeFailed("service safe point " + serviceId, e);
        }
    }

    public List<ServiceSafePoint> loadServiceSafePoints() {
        List<ServiceSafePoint> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(SERVICE_SAFE_POINT_PREFIX);
                    it.isValid() && startsWith(it.key(), SERVICE_SAFE_POINT_PREFIX);
                    it.next()) {
                byte[] k = it.key();
                String id = new String(
                        k,
                        SERVICE_SAFE_POINT_PREFIX.length,
                        k.length - SERVICE_SAFE_POINT_PREFIX.length,
                        StandardCharsets.UTF_8);
                byte[] v = it.value();
                if (v.length != 2 * Long.BYTES) {
                    throw corrupt(
                            "service safe point " + id + " has " + v.length + " bytes, expected " + 2 * Long.BYTES);
                }
                ByteBuffer b = ByteBuffer.wrap(v);
                out.add(new ServiceSafePoint(id, b.getLong(), b.getLong()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw corrupt("reading service safe points failed: " + e.getMessage());
        }
        return out;
    }

    private static byte[] serviceKey(String serviceId) {
        byte[] id = serviceId.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(SERVICE_SAFE_POINT_PREFIX.length + id.length)
                .put(SERVICE_SAFE_POINT_PREFIX)
                .put(id)
                .array();
    }

    /** A durable number under {@code name} ({@link #ID_END}, {@link #TSO_LIMIT}). */
    public PersistedLong cell(String name) {
        byte[] cellKey = key(name);
        return new PersistedLong() {
            @Override
            public OptionalLong read() {
                return readLong(cellKey);
            }

            @Override
            public void write(long value) {
                put(cellKey, longBytes(value), name);
            }
        };
    }

    private <T extends MessageLite> List<T> loadAll(byte[] prefix, Parser<T> parser, String what) {
        List<T> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            for (it.seek(prefix); it.isValid() && startsWith(it.key(), prefix); it.next()) {
                byte[] k = it.key();
                if (k.length != prefix.length + Long.BYTES) {
                    throw corrupt(what + " key " + HexFormat.of().formatHex(k) + " has the wrong length");
                }
                long id = ByteBuffer.wrap(k, prefix.length, Long.BYTES).getLong();
                T value;
                try {
                    value = parser.parseFrom(it.value());
                } catch (InvalidProtocolBufferException e) {
                    throw corrupt(what + " " + id + " does not parse: " + e.getMessage());
                }
                out.add(value);
            }
            it.status();
        } catch (RocksDBException e) {
            throw corrupt("reading " + what + "s failed: " + e.getMessage());
        }
        return out;
    }

    private OptionalLong readLong(byte[] k) {
        byte[] value = get(k);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (value.length != Long.BYTES) {
            throw corrupt(
                    new String(k, StandardCharsets.UTF_8) + " has " + value.length + " bytes, expected " + Long.BYTES);
        }
        return OptionalLong.of(ByteBuffer.wrap(value).getLong());
    }

    private byte[] get(byte[] k) {
        try {
            return db.get(k);
        } catch (RocksDBException e) {
            throw corrupt("reading " + new String(k, StandardCharsets.UTF_8) + " failed: " + e.getMessage());
        }
    }

    private void put(byte[] k, byte[] value, String what) {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(k, value);
            write(batch, what);
        } catch (RocksDBException e) {
            throw writeFailed(what, e);
        }
    }

    /** Writes {@code batch} synced, unless an earlier write failed; a failure halts. */
    private void write(WriteBatch batch, String what) throws RocksDBException {
        Throwable failed = writeFailure;
        if (failed != null) {
            throw new IllegalStateException(
                    "writing " + what + " to the scheduler metadata in " + dir
                            + " refused after a failed write (fail-stop): " + failed.getMessage(),
                    failed);
        }
        StorageFaults f = faults;
        if (f != null) {
            try {
                f.check(StorageFaults.Point.WRITE, "writing " + what + " to the scheduler metadata in " + dir);
            } catch (StorageException e) {
                writeFailure = e;
                throw halter.halt("writing " + what + " to the scheduler metadata in " + dir, e);
            }
        }
        db.write(syncWrite, batch);
    }

    /**
     * TEST SEAM: from now on the writes {@code faults} arms ({@code WRITE}) fail as on a failing
     * disk; null removes it. Never called in production.
     */
    void injectFaults(StorageFaults faults) {
        this.faults = faults;
    }

    private IllegalStateException corrupt(String problem) {
        return new IllegalStateException("corrupt scheduler metadata in " + dir + ": " + problem);
    }

    /** A failed write halts the process (the halter returns only in tests). */
    private RuntimeException writeFailed(String what, RocksDBException e) {
        writeFailure = e;
        return halter.halt("writing " + what + " to the scheduler metadata in " + dir, e);
    }

    private static byte[] key(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] idKey(byte[] prefix, long id) {
        return ByteBuffer.allocate(prefix.length + Long.BYTES)
                .put(prefix)
                .putLong(id)
                .array();
    }

    private static byte[] longBytes(long value) {
        return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
    }

    private static boolean startsWith(byte[] k, byte[] prefix) {
        return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
    }

    @Override
    public void close() {
        db.close();
        syncWrite.close();
        options.close();
    }
}
