package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static io.tinykv.scheduler.Fixtures.region;
import static io.tinykv.scheduler.Fixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Metapb;
import io.tinykv.storage.HaltRecorder;
import io.tinykv.storage.ProcessHalter;
import io.tinykv.storage.StorageFaults;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

class MetaStoreTest {

    @TempDir
    Path dir;

    private void rawPut(String key, byte[] value) throws Exception {
        try (Options options = new Options().setCreateIfMissing(true);
                RocksDB db = RocksDB.open(options, dir.toString())) {
            db.put(key.getBytes(StandardCharsets.UTF_8), value);
        }
    }

    @Test
    void everythingWrittenIsReadBackAfterReopen() {
        Metapb.Region first = region(2, "", "", epoch(1, 1), new long[] {3}, new long[] {1});
        Metapb.Region left = region(2, "", "m", epoch(1, 2), new long[] {3}, new long[] {1});
        Metapb.Region right = region(4, "m", "", epoch(1, 2), new long[] {5}, new long[] {1});
        try (MetaStore meta = MetaStore.open(dir)) {
            assertThat(meta.clusterId()).isEmpty();
            assertThat(meta.isBootstrapped()).isFalse();
            meta.putClusterId(42);
            meta.bootstrap(store(1), first);
            meta.putStore(store(7));
            meta.putRegion(right, List.of());
            meta.putRegion(left, List.of());
            meta.putRegion(region(9, "x", "y", epoch(1, 1), new long[] {10}, new long[] {1}), List.of());
            meta.putRegion(right, List.of(9L));
        }
        try (MetaStore meta = MetaStore.open(dir)) {
            assertThat(meta.clusterId()).hasValue(42);
            assertThat(meta.isBootstrapped()).isTrue();
            assertThat(meta.loadStores()).containsExactly(store(1), store(7));
            assertThat(meta.loadRegions()).containsExactly(left, right);
        }
    }

    @Test
    void aFailedWriteHaltsAndEveryLaterWriteIsRefused() {
        HaltRecorder halter = new HaltRecorder();
        StorageFaults faults = new StorageFaults();
        try (MetaStore meta = MetaStore.open(dir, halter)) {
            PersistedLong idEnd = meta.cell(MetaStore.ID_END);
            idEnd.write(1_000);
            meta.injectFaults(faults.fail(StorageFaults.Point.WRITE));
            assertThatThrownBy(() -> idEnd.write(2_000)).isInstanceOf(ProcessHalter.HaltedException.class);
            assertThat(faults.injected()).isEqualTo(1);
            assertThat(halter.halts())
                    .singleElement()
                    .satisfies(
                            h -> assertThat(h.path()).contains(MetaStore.ID_END).contains(dir.toString()));
            // The disk "recovers": ids handed out on a later write would rest on a store that failed.
            faults.heal(StorageFaults.Point.WRITE);
            assertThatThrownBy(() -> idEnd.write(3_000))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused after a failed write");
            assertThatThrownBy(() -> meta.putStore(store(7))).hasMessageContaining("refused after a failed write");
            assertThat(faults.injected())
                    .as("the refused writes never reached the disk")
                    .isEqualTo(1);
        }
        try (MetaStore meta = MetaStore.open(dir)) {
            assertThat(meta.cell(MetaStore.ID_END).read()).hasValue(1_000);
            assertThat(meta.loadStores()).isEmpty();
        }
        assertThat(halter.halts()).hasSize(1);
    }

    @Test
    void aDatabaseWithoutOurFormatMarkerIsRefused() throws Exception {
        rawPut("something", new byte[] {1});
        assertThatThrownBy(() -> MetaStore.open(dir))
                .hasMessageContaining("corrupt scheduler metadata in " + dir)
                .hasMessageContaining("no format marker");
    }

    @Test
    void anUnknownFormatIsRefused() throws Exception {
        MetaStore.open(dir).close();
        rawPut("meta/format", "tinykv-scheduler-meta-v99".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> MetaStore.open(dir))
                .hasMessageContaining("unknown format 'tinykv-scheduler-meta-v99'");
    }

    @Test
    void corruptRecordsAreReportedByName() throws Exception {
        MetaStore.open(dir).close();
        rawPut("meta/cluster_id", new byte[] {1, 2, 3});
        try (MetaStore meta = MetaStore.open(dir)) {
            assertThatThrownBy(meta::clusterId).hasMessageContaining("meta/cluster_id has 3 bytes, expected 8");
        }
        rawPut("store/\0\0\0\0\0\0\0\1", new byte[] {(byte) 0xff, (byte) 0xff});
        try (MetaStore meta = MetaStore.open(dir)) {
            assertThatThrownBy(meta::loadStores).hasMessageContaining("store 1 does not parse");
        }
    }
}
