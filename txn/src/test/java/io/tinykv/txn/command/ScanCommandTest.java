package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.KeyRange;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KvScan: TinyKV 4C's Scan cases and then some. */
class ScanCommandTest extends CommandTestBase {

    private Kvrpcpb.ScanRequest.Builder scan(byte[] start, int limit, long version) {
        return Kvrpcpb.ScanRequest.newBuilder()
                .setContext(ctx())
                .setStartKey(bs(start))
                .setLimit(limit)
                .setVersion(version);
    }

    private static List<Integer> keys(Kvrpcpb.ScanResponse r) {
        return r.getPairsList().stream()
                .map(p -> p.getKey().toByteArray()[0] & 0xFF)
                .toList();
    }

    private static List<Integer> values(Kvrpcpb.ScanResponse r) {
        return r.getPairsList().stream()
                .map(p -> p.getValue().isEmpty() ? -1 : p.getValue().byteAt(0) & 0xFF)
                .toList();
    }

    private void layout() {
        f.committedPut(k(1), 50, 60, k(8))
                .committedPut(k(1), 80, 90, k(9))
                .committedPut(k(2), 50, 60, k(10))
                .committedPut(k(3), 50, 60, k(11))
                .committedPut(k(4), 50, 60, k(12))
                .committedPut(k(5), 50, 60, k(13))
                .committedPut(k(6), 50, 60, k(14));
    }

    @Test
    void scanEmpty() {
        Kvrpcpb.ScanResponse r = txn.scan(scan(k(1), 10, 200).build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getPairsList()).isEmpty();
    }

    @Test
    void scanLimitZero() {
        layout();
        assertThat(txn.scan(scan(k(1), 0, 200).build()).getPairsList()).isEmpty();
    }

    @Test
    void scanAll() {
        layout();
        Kvrpcpb.ScanResponse r = txn.scan(scan(k(0), 10, 200).build());
        assertThat(keys(r)).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(values(r)).containsExactly(9, 10, 11, 12, 13, 14);
        assertThat(values(txn.scan(scan(k(0), 10, 70).build()))).containsExactly(8, 10, 11, 12, 13, 14);
    }

    @Test
    void scanLimit() {
        layout();
        Kvrpcpb.ScanResponse r = txn.scan(scan(k(2), 2, 200).build());
        assertThat(keys(r)).containsExactly(2, 3);
        assertThat(values(r)).containsExactly(10, 11);
    }

    @Test
    void scanDeletedKeysAreSkipped() {
        layout();
        f.committedDelete(k(3), 100, 110).committedDelete(k(4), 100, 110).committedDelete(k(1), 100, 110);
        Kvrpcpb.ScanResponse r = txn.scan(scan(k(1), 10, 200).build());
        assertThat(keys(r)).containsExactly(2, 5, 6);
        // The deletes are invisible before they commit.
        assertThat(keys(txn.scan(scan(k(1), 10, 105).build()))).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void scanStopsAtEndKey() {
        layout();
        assertThat(keys(txn.scan(scan(k(2), 10, 200).setEndKey(bs(k(5))).build())))
                .containsExactly(2, 3, 4);
    }

    @Test
    void scanReverseGoesDownFromStartKeyExclusive() {
        layout();
        Kvrpcpb.ScanResponse r = txn.scan(
                scan(k(5), 10, 200).setReverse(true).setEndKey(bs(k(2))).build());
        assertThat(keys(r)).containsExactly(4, 3, 2);
        assertThat(keys(txn.scan(scan(k(), 2, 200).setReverse(true).build()))).containsExactly(6, 5);
    }

    @Test
    void scanKeyOnlyLeavesValuesOut() {
        layout();
        Kvrpcpb.ScanResponse r = txn.scan(scan(k(1), 3, 200).setKeyOnly(true).build());
        assertThat(keys(r)).containsExactly(1, 2, 3);
        assertThat(values(r)).containsExactly(-1, -1, -1);
    }

    @Test
    void scanReportsBlockingLocksAsPairErrorsAndGoesOn() {
        layout();
        f.lock(k(3), putLock(k(3), 150, k(1)))
                .lock(k(7), putLock(k(3), 150, k(1)))
                .lock(k(4), putLock(k(3), 250, k(1)));
        Kvrpcpb.ScanResponse r = txn.scan(scan(k(1), 10, 200).build());
        assertThat(r.hasError()).isFalse();
        assertThat(keys(r)).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(r.getPairs(2).getError().getLocked().getLockVersion()).isEqualTo(150);
        assertThat(r.getPairs(3).hasError()).isFalse();
        assertThat(r.getPairs(6).getError().getLocked().getKey().toByteArray()).containsExactly(7);
    }

    @Test
    void scanStaysInsideTheRegion() {
        layout();
        TxnCommands regional = new TxnCommands(storage, new Latches(), RegionBounds.fixed(new KeyRange(k(2), k(5))));
        assertThat(keys(regional.scan(scan(k(2), 10, 200).build()))).containsExactly(2, 3, 4);
        assertThat(keys(regional.scan(scan(k(9), 10, 200).setReverse(true).build())))
                .containsExactly(4, 3, 2);
        Kvrpcpb.ScanResponse outside = regional.scan(scan(k(1), 10, 200).build());
        assertThat(outside.getRegionError().hasKeyNotInRegion()).isTrue();
        assertThat(outside.getRegionError().getKeyNotInRegion().getKey().toByteArray())
                .containsExactly(1);
    }
}
