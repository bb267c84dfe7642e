package io.tinykv.server.gc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Kvrpcpb;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.PeerState;
import io.tinykv.proto.RaftServerpb.RegionLocalState;
import io.tinykv.storage.Cf;
import io.tinykv.storage.Engine;
import io.tinykv.storage.EngineConfig;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.IncompressibleBytes;
import io.tinykv.storage.Keys;
import io.tinykv.storage.KvIterator;
import io.tinykv.storage.Modify;
import io.tinykv.storage.StandaloneStorage;
import io.tinykv.storage.StorageReader;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.MvccKey;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's GC worker gives the disk back: after a GC pass removes a region's old versions it
 * compacts the region's range, so the range's SST bytes fall to about its live data. One region
 * over the whole key space on a standalone storage (no Raft), the scheduler faked, the safe point
 * chosen by the test: sizes and counts, no timing.
 */
class StoreGcCompactionTest {

    private static final long STORE_ID = 1;
    private static final long REGION_ID = 2;
    private static final int VALUE_BYTES = 1024;
    private static final long MIB = 1024L * 1024L;
    /** Unlimited removal rate: the worker never sleeps here. */
    private static final long UNLIMITED = 0;

    @TempDir
    Path dir;

    private Engines engines;
    private StandaloneStorage storage;
    private final Metapb.Region region = Metapb.Region.newBuilder()
            .setId(REGION_ID)
            .setRegionEpoch(Metapb.RegionEpoch.newBuilder().setVersion(1).setConfVer(1))
            .addPeers(Metapb.Peer.newBuilder().setId(3).setStoreId(STORE_ID))
            .build();
    private long safePoint;
    private long nextTs = 100;

    @BeforeEach
    void open() {
        engines = Engines.open(
                dir, EngineConfig.defaults().withBlockCacheSizeBytes(8 * MIB).withWriteBufferSizeBytes(4 * MIB));
        storage = new StandaloneStorage(engines);
        try (EngineWriteBatch batch = engines.kv().newWriteBatch()) {
            engines.kv()
                    .write(
                            batch.put(
                                    Cf.DEFAULT,
                                    Keys.regionStateKey(REGION_ID),
                                    RegionLocalState.newBuilder()
                                            .setState(PeerState.Normal)
                                            .setRegion(region)
                                            .build()),
                            true);
        }
    }

    @AfterEach
    void close() {
        engines.close();
    }

    private StoreGcWorker worker(long compactMinTombstones) {
        SafePointGuard guard = new SafePointGuard();
        TxnCommands commands = new TxnCommands(storage, new Latches(), RegionBounds.UNBOUNDED, guard);
        GcSchedulerApi scheduler = new GcSchedulerApi() {
            @Override
            public long gcSafePoint() {
                return safePoint;
            }

            @Override
            public boolean holdSafePoint(String serviceId, long ttlSeconds, long holdAt) {
                return true;
            }
        };
        StoreGcConfig config = new StoreGcConfig(
                StoreGcConfig.DEFAULT_RUN_INTERVAL_MILLIS,
                StoreGcConfig.DEFAULT_BATCH_KEYS,
                StoreGcConfig.DEFAULT_MAX_RECORDS_PER_KEY,
                UNLIMITED,
                compactMinTombstones);
        return new StoreGcWorker(
                STORE_ID,
                engines,
                () -> List.of(REGION_ID),
                commands,
                guard,
                scheduler,
                config,
                System::nanoTime,
                nanos -> {
                    throw new AssertionError("an unlimited worker never waits");
                });
    }

    @Test
    void aGcPassThatRemovesManyVersionsCompactsTheRegionAndItsSstBytesFall() throws Exception {
        int keys = 4;
        int versions = 200;
        overwrite(keys, versions);
        long written = sstBytesAfterFlush();
        assertThat(written).as("SST bytes written").isGreaterThan((long) keys * versions * VALUE_BYTES / 2);

        safePoint = nextTs;
        StoreGcWorker worker = worker(keys * (versions - 1));
        StoreGcWorker.Round round = worker.runOnce();

        assertThat(round.removedRecords()).isEqualTo((long) keys * (versions - 1));
        assertThat(round.regionsCompacted()).isEqualTo(1);
        assertThat(worker.compactions()).isEqualTo(1);
        assertThat(versionsPerKey().values()).hasSize(keys).containsOnly(1);
        long after = sstBytesAfterFlush();
        assertThat(after)
                .as("SST bytes after GC and compaction (written %d)", written)
                .isLessThan(written / 20);
        assertThat(engines.kv().sstDeletions(Cf.WRITE, start(), end()))
                .as("tombstones left")
                .isZero();
    }

    @Test
    void aPassBelowTheThresholdDoesNotCompact() throws Exception {
        overwrite(2, 10);
        safePoint = nextTs;
        StoreGcWorker.Round round =
                worker(StoreGcConfig.DEFAULT_COMPACT_MIN_TOMBSTONES).runOnce();
        assertThat(round.removedRecords()).isEqualTo(18);
        assertThat(round.regionsCompacted()).isZero();
    }

    /**
     * The default suite's bound on disk under overwrites: round after round a small key set is
     * overwritten many times over and GC runs past it; the range's SST bytes after each round stay
     * within a small multiple of its live data while what was written grows without bound.
     */
    @Test
    void theDiskOfARangeStaysBoundedUnderOverwritesWithGc() throws Exception {
        int keys = 50;
        int versionsPerRound = 40;
        int rounds = 8;
        long liveBytes = (long) keys * VALUE_BYTES;
        long bound = 4 * liveBytes;
        StoreGcWorker worker = worker(keys * versionsPerRound / 2);
        long removed = 0;
        List<Long> sizes = new ArrayList<>();
        long beforeGc = 0;
        for (int r = 0; r < rounds; r++) {
            overwrite(keys, versionsPerRound);
            // On disk before GC, as a memtable filled by a long workload would put them there.
            beforeGc = sstBytesAfterFlush();
            safePoint = nextTs;
            StoreGcWorker.Round round = worker.runOnce();
            removed += round.removedRecords();
            sizes.add(sstBytesAfterFlush());
        }
        long written = (long) keys * versionsPerRound * rounds * VALUE_BYTES;
        assertThat(removed).as("versions GC removed").isEqualTo((long) keys * (versionsPerRound * rounds - 1));
        assertThat(worker.compactions()).as("compactions after GC").isEqualTo(rounds);
        assertThat(versionsPerKey().values()).hasSize(keys).containsOnly(1);
        assertThat(beforeGc)
                .as("SST bytes of a round's versions before GC: the bound means something")
                .isGreaterThan(bound);
        assertThat(sizes)
                .as("SST bytes after each round (live %d B, written %d B in all)", liveBytes, written)
                .allMatch(size -> size <= bound);
    }

    @Test
    void aFollowerCompactsOnceTheLeadersDeletesShowAsTombstonesAndNotAgainForTheSameOnes() {
        int keys = 4;
        int versions = 100;
        List<byte[]> old = overwrite(keys, versions);
        engines.kv().flush(Cf.WRITE);
        // The leader's GC deletes as this replica applies them through Raft; this store removed nothing.
        try (EngineWriteBatch batch = engines.kv().newWriteBatch()) {
            old.forEach(key -> batch.delete(Cf.WRITE, key));
            engines.kv().write(batch, false);
        }
        engines.kv().flush(Cf.WRITE);
        long before = engines.kv().sstBytes(Cf.WRITE, start(), end());
        GcCompactor compactor = new GcCompactor(engines.kv(), old.size());

        assertThat(compactor.maybeCompact(region))
                .as("compacted on the SST tombstones")
                .isTrue();
        assertThat(engines.kv().sstBytes(Cf.WRITE, start(), end())).isLessThan(before);
        assertThat(compactor.maybeCompact(region)).as("nothing new to compact").isFalse();
        assertThat(compactor.compactions()).isEqualTo(1);
    }

    /**
     * Commits {@code versions} Puts of each of {@code keys} keys (values in the default column
     * family), as committed transactions leave them.
     *
     * @return the write column family's engine keys of every version but each key's newest
     */
    private List<byte[]> overwrite(int keys, int versions) {
        List<byte[]> older = new ArrayList<>();
        for (int v = 0; v < versions; v++) {
            List<Modify> batch = new ArrayList<>();
            long startTs = nextTs++;
            long commitTs = nextTs++;
            for (int k = 0; k < keys; k++) {
                byte[] key = userKey(k);
                batch.add(new Modify.Put(Cf.DEFAULT, MvccKey.encode(key, startTs), value(startTs + k)));
                batch.add(new Modify.Put(
                        Cf.WRITE, MvccKey.encode(key, commitTs), new Write(WriteKind.PUT, startTs, null).toBytes()));
                if (v < versions - 1) {
                    older.add(Keys.dataKey(MvccKey.encode(key, commitTs)));
                }
            }
            storage.write(Kvrpcpb.Context.getDefaultInstance(), batch);
        }
        return older;
    }

    private long sstBytesAfterFlush() {
        Engine kv = engines.kv();
        kv.flush(Cf.WRITE);
        kv.flush(Cf.DEFAULT);
        return kv.sstBytes(Cf.WRITE, start(), end()) + kv.sstBytes(Cf.DEFAULT, start(), end());
    }

    private Map<ByteString, Integer> versionsPerKey() {
        Map<ByteString, Integer> versions = new HashMap<>();
        try (StorageReader reader = storage.reader(Kvrpcpb.Context.getDefaultInstance());
                KvIterator it = reader.iterator(Cf.WRITE)) {
            for (it.seekToFirst(); it.valid(); it.next()) {
                versions.merge(ByteString.copyFrom(MvccKey.decode(it.key()).userKey()), 1, Integer::sum);
            }
        }
        return versions;
    }

    private byte[] start() {
        return Keys.dataKey(region.getStartKey().toByteArray());
    }

    private byte[] end() {
        return Keys.dataEndKey(region.getEndKey().toByteArray());
    }

    private static byte[] userKey(int k) {
        return ("key-" + k).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Pseudo-random bytes, so that compression does not hide how many versions are on disk. */
    private static byte[] value(long seed) {
        return IncompressibleBytes.of(seed, VALUE_BYTES);
    }
}
