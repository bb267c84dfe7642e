package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.gc.RegionGc;
import io.tinykv.txn.gc.SafePointGuard;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** MVCC GC: what goes below the safe point, what stays, and reads below it refused. */
class GcCommandTest extends CommandTestBase {

    private static final RegionGc.Settings SETTINGS = new RegionGc.Settings(2, 64);

    private RegionGc.Stats gc(long safePoint) throws InterruptedException {
        return new RegionGc(txn, SETTINGS).run(ctx(), safePoint, RegionGc.Throttle.NONE);
    }

    private byte[] valueAt(byte[] key, long ts) {
        Kvrpcpb.GetResponse r = get(key, ts);
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
        return r.getNotFound() ? null : r.getValue().toByteArray();
    }

    @Test
    void keepsTheNewestPutAtOrBelowTheSafePointAndEverythingAbove() throws Exception {
        f.committedPut(k(1), 10, 11, k(11))
                .write(k(1), 15, Write.rollback(15))
                .committedPut(k(1), 20, 21, k(21))
                .committedPut(k(1), 30, 31, k(31))
                .write(k(1), 33, new Write(WriteKind.LOCK, 32, null))
                .committedPut(k(1), 40, 41, k(41));
        RegionGc.Stats stats = gc(35);
        assertThat(stats.removedRecords()).isEqualTo(4); // the Lock, the two older Puts, the Rollback
        assertThat(f.counts()).containsExactly(2, 0, 2);
        assertThat(valueAt(k(1), 35)).containsExactly(31);
        assertThat(valueAt(k(1), 41)).containsExactly(41);
        // A second pass finds nothing more.
        assertThat(gc(35).removedRecords()).isZero();
    }

    @Test
    void aNewestDeleteGoesWithEverythingUnderIt() throws Exception {
        f.committedPut(k(2), 10, 11, k(11)).committedDelete(k(2), 20, 21).committedPut(k(3), 10, 11, k(3));
        gc(25);
        assertThat(f.counts()).containsExactly(1, 0, 1);
        assertThat(valueAt(k(2), 25)).isNull();
        assertThat(valueAt(k(3), 25)).containsExactly(3);
    }

    @Test
    void rollbacksAndLockRecordsOverTheNewestPutGoButThePutStays() throws Exception {
        f.committedPut(k(4), 10, 11, k(11))
                .write(k(4), 15, Write.rollback(15))
                .write(k(4), 17, new Write(WriteKind.LOCK, 16, null));
        gc(20);
        assertThat(f.counts()).containsExactly(1, 0, 1);
        assertThat(valueAt(k(4), 20)).containsExactly(11);
    }

    @Test
    void versionsAboveTheSafePointAndLocksAreLeftAlone() throws Exception {
        f.committedPut(k(5), 10, 11, k(11)).committedPut(k(5), 20, 21, k(21)).prewrittenPut(k(6), k(6), 30, TTL, k(30));
        assertThat(gc(15).removedRecords()).isZero();
        assertThat(f.counts()).containsExactly(3, 1, 2);
    }

    @Test
    void manyKeysAreCollectedInBatches() throws Exception {
        for (int i = 0; i < 5; i++) {
            f.committedPut(k(10 + i), 10, 11, k(1))
                    .committedPut(k(10 + i), 20, 21, k(2))
                    .committedPut(k(10 + i), 30, 31, k(3));
        }
        RegionGc.Stats stats = gc(40);
        assertThat(stats.keysCollected()).isEqualTo(5);
        assertThat(stats.removedRecords()).isEqualTo(10);
        assertThat(f.counts()).containsExactly(5, 0, 5);
    }

    @Test
    void aLongHistoryIsCollectedAFewRecordsAtATime() {
        for (int i = 1; i <= 10; i++) {
            f.committedPut(k(7), 10 * i, 10 * i + 1, k(i));
        }
        GcKeys.Result first = txn.run(new GcKeys(ctx(), List.of(k(7)), 200, 4));
        assertThat(first.removedRecords()).isEqualTo(3); // the newest of the four stays
        txn.run(new GcKeys(ctx(), List.of(k(7)), 200, 4));
        txn.run(new GcKeys(ctx(), List.of(k(7)), 200, 4));
        assertThat(f.counts()).containsExactly(1, 0, 1);
        assertThat(valueAt(k(7), 200)).containsExactly(10);
    }

    @Test
    void readsAndPrewritesBelowTheKnownSafePointAreRefused() {
        SafePointGuard guard = new SafePointGuard();
        TxnCommands guarded = new TxnCommands(storage, new Latches(), RegionBounds.UNBOUNDED, guard);
        f.committedPut(k(8), 10, 11, k(11));
        guard.advanceTo(50);
        guard.advanceTo(40); // never backwards
        Kvrpcpb.GetResponse below = guarded.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx())
                .setKey(bs(k(8)))
                .setVersion(49)
                .build());
        assertThat(below.getError().getAbort()).contains("GC safe point");
        Kvrpcpb.GetResponse at = guarded.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx())
                .setKey(bs(k(8)))
                .setVersion(50)
                .build());
        assertThat(at.getValue().toByteArray()).containsExactly(11);
        Kvrpcpb.ScanResponse scan = guarded.scan(Kvrpcpb.ScanRequest.newBuilder()
                .setContext(ctx())
                .setStartKey(bs(k(0)))
                .setLimit(10)
                .setVersion(49)
                .build());
        assertThat(scan.getError().getAbort()).contains("GC safe point");
        Kvrpcpb.PrewriteResponse prewrite = guarded.prewrite(prewriteRequest(k(8), 49, put(k(8), k(1))));
        assertThat(prewrite.getErrors(0).getAbort()).contains("GC safe point");
        assertThat(f.lockOf(k(8))).isEmpty();
    }
}
