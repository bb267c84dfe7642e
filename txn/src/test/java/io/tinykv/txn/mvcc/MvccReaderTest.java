package io.tinykv.txn.mvcc;

import static io.tinykv.txn.testing.MvccFixture.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.storage.Cf;
import io.tinykv.storage.Storage;
import io.tinykv.txn.testing.MvccFixture;
import io.tinykv.txn.testing.StorageKind;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/** TinyKV 4A's MVCC cases, on every storage implementation. */
@ParameterizedClass
@EnumSource(StorageKind.class)
class MvccReaderTest {

    private static final byte[] K = key(1, 2);
    private static final byte[] V1 = key(10);
    private static final byte[] V2 = key(20);

    @Parameter
    StorageKind kind;

    @TempDir
    Path dir;

    private Storage storage;
    private MvccFixture f;

    @BeforeEach
    void open() {
        storage = kind.open(dir);
        f = new MvccFixture(storage);
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private void apply(MvccTxn txn) {
        storage.write(MvccFixture.CTX, txn.modifies());
    }

    @Test
    void putGetDeleteLock() {
        Lock lock = new Lock(LockKind.PUT, key(1), 100, 3000, 0, 1, V1);
        MvccTxn txn = new MvccTxn(100);
        txn.putLock(K, lock);
        apply(txn);
        assertThat(f.lockOf(K)).contains(lock);

        MvccTxn del = new MvccTxn(100);
        del.deleteLock(K);
        apply(del);
        assertThat(f.lockOf(K)).isEmpty();
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void putGetDeleteValue() {
        MvccTxn txn = new MvccTxn(100);
        txn.putValue(K, V1);
        apply(txn);
        assertThat(f.rawValue(K, 100)).isEqualTo(V1);
        assertThat(f.rawValue(K, 99)).isNull();

        MvccTxn del = new MvccTxn(100);
        del.deleteValue(K);
        apply(del);
        assertThat(f.rawValue(K, 100)).isNull();
    }

    @Test
    void putGetWrite() {
        MvccTxn txn = new MvccTxn(100);
        Write w = new Write(WriteKind.PUT, 100, V1);
        txn.putWrite(K, 110, w);
        apply(txn);
        assertThat(f.writeAt(K, 110)).contains(new CommittedWrite(110, w));
        assertThat(f.writeAt(K, 100)).isEmpty();
    }

    @Test
    void lockOfAnotherTxnIsRefusedByMvccTxn() {
        MvccTxn txn = new MvccTxn(100);
        assertThatThrownBy(() -> txn.putLock(K, new Lock(LockKind.PUT, K, 99, 1, 0, 1, null)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valueAtMissingKey() {
        f.committedPut(key(9), 100, 110, V1);
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 200)).isEmpty();
        }
    }

    @Test
    void valueAtTooEarly() {
        f.committedPut(K, 100, 110, V1);
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 105)).isEmpty();
            assertThat(r.valueAt(K, 109)).isEmpty();
            assertThat(r.valueAt(K, 110)).contains(V1);
        }
    }

    @Test
    void valueAtOverwritten() {
        f.committedPut(K, 100, 110, V1).committedPut(K, 120, 130, V2);
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 125)).contains(V1);
            assertThat(r.valueAt(K, 130)).contains(V2);
            assertThat(r.valueAt(K, 1000)).contains(V2);
        }
    }

    @Test
    void valueAtNotOverwrittenByUncommittedOrLaterVersion() {
        f.committedPut(K, 100, 110, V1).prewrittenPut(K, K, 120, 3000, V2);
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 115)).contains(V1);
            assertThat(r.valueAt(K, 200)).contains(V1);
        }
    }

    @Test
    void valueAtDeleted() {
        f.committedPut(K, 100, 110, V1).committedDelete(K, 120, 130);
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 125)).contains(V1);
            assertThat(r.valueAt(K, 130)).isEmpty();
            assertThat(r.valueAt(K, 200)).isEmpty();
        }
    }

    @Test
    void valueAtNotDeletedBecauseDeleteIsLater() {
        f.committedPut(K, 100, 110, V1).committedDelete(K, 120, 130);
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 129)).contains(V1);
        }
    }

    @Test
    void valueAtSkipsRollbackAndLockRecords() {
        f.committedPut(K, 100, 110, V1)
                .write(K, 120, Write.rollback(120))
                .write(K, 135, new Write(WriteKind.LOCK, 130, null));
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 200)).contains(V1);
        }
    }

    @Test
    void valueAtReadsInlinedShortValue() {
        f.write(K, 110, new Write(WriteKind.PUT, 100, V2));
        try (MvccReader r = f.reader()) {
            assertThat(r.valueAt(K, 110)).contains(V2);
        }
    }

    @Test
    void missingLongValueIsReportedAsCorruption() {
        f.write(K, 110, new Write(WriteKind.PUT, 100, null));
        try (MvccReader r = f.reader()) {
            assertThatThrownBy(() -> r.valueAt(K, 110))
                    .isInstanceOf(CorruptRecordException.class)
                    .hasMessageContaining("missing");
        }
    }

    @Test
    void corruptWriteRecordIsReportedNotSkipped() {
        f.rawPut(Cf.WRITE, MvccKey.encode(K, 110), new byte[] {1, 2, 3});
        try (MvccReader r = f.reader()) {
            assertThatThrownBy(() -> r.valueAt(K, 200)).isInstanceOf(CorruptRecordException.class);
        }
    }

    @Test
    void currentWriteFindsTheRecordOfAStartTs() {
        f.committedPut(K, 100, 110, V1).committedPut(K, 120, 130, V2).write(K, 140, Write.rollback(140));
        try (MvccReader r = f.reader()) {
            assertThat(r.currentWrite(K, 100))
                    .isEqualTo(new TxnRecord.Found(new CommittedWrite(110, new Write(WriteKind.PUT, 100, null))));
            assertThat(r.currentWrite(K, 120).isCommitted()).isTrue();
            assertThat(r.currentWrite(K, 140).isRolledBack()).isTrue();
            assertThat(r.currentWrite(K, 105)).isEqualTo(new TxnRecord.None(null));
            assertThat(r.currentWrite(K, 150)).isEqualTo(new TxnRecord.None(null));
            assertThat(r.currentWrite(key(7), 100)).isEqualTo(new TxnRecord.None(null));
        }
    }

    @Test
    void currentWriteSeesOverlappedRollbackAndOverlappingRecords() {
        Write committed = new Write(WriteKind.PUT, 100, V1);
        f.write(K, 110, committed);
        try (MvccReader r = f.reader()) {
            assertThat(r.currentWrite(K, 110)).isEqualTo(new TxnRecord.None(new CommittedWrite(110, committed)));
        }
        f.write(K, 110, committed.withOverlappedRollback());
        try (MvccReader r = f.reader()) {
            assertThat(r.currentWrite(K, 110)).isEqualTo(new TxnRecord.OverlappedRollback(110));
            assertThat(r.currentWrite(K, 110).isRolledBack()).isTrue();
            assertThat(r.currentWrite(K, 100).isCommitted()).isTrue();
        }
    }

    @Test
    void mostRecentWriteRegardlessOfTs() {
        f.committedPut(K, 100, 110, V1).write(K, 140, Write.rollback(140)).committedPut(key(1, 3), 200, 210, V2);
        try (MvccReader r = f.reader()) {
            assertThat(r.mostRecentWrite(K)).contains(new CommittedWrite(140, Write.rollback(140)));
            assertThat(r.mostRecentWrite(key(1, 2, 0))).isEmpty();
            assertThat(r.seekWrite(K, 139)).map(CommittedWrite::commitTs).contains(110L);
        }
    }

    @Test
    void scanSkipsDeletedAndRolledBackAndReportsBlockingLocks() {
        f.committedPut(key(1), 100, 110, V1)
                .committedPut(key(2), 100, 110, V1)
                .committedDelete(key(2), 120, 130)
                .write(key(3), 120, Write.rollback(120))
                .committedPut(key(4), 100, 110, V2)
                .prewrittenPut(key(5), key(5), 150, 3000, V1)
                .prewrittenPut(key(6), key(6), 250, 3000, V1);
        try (MvccReader r = f.reader()) {
            List<ScanEntry> all = r.scan(KeyRange.ALL, ReadView.at(200), 10, false, false);
            assertThat(all).extracting(e -> e.key()[0]).containsExactly((byte) 1, (byte) 4, (byte) 5);
            assertThat(all.get(0))
                    .isInstanceOfSatisfying(
                            ScanEntry.Value.class, v -> assertThat(v.value()).isEqualTo(V1));
            assertThat(all.get(2)).isInstanceOf(ScanEntry.Locked.class);

            ReadView.CommitFloor confirmed = (lock, ts) -> lock.startTs() == 150;
            List<ScanEntry> bypassed =
                    r.scan(KeyRange.ALL, new ReadView(200, Set.of(150L), false, confirmed), 10, false, false);
            assertThat(bypassed).extracting(e -> e.key()[0]).containsExactly((byte) 1, (byte) 4);
            // A claim the store cannot confirm lets nothing pass.
            List<ScanEntry> unconfirmed = r.scan(
                    KeyRange.ALL,
                    new ReadView(200, Set.of(150L), false, ReadView.CommitFloor.UNKNOWN),
                    10,
                    false,
                    false);
            assertThat(unconfirmed).extracting(e -> e.key()[0]).containsExactly((byte) 1, (byte) 4, (byte) 5);

            List<ScanEntry> reversed = r.scan(KeyRange.ALL, ReadView.at(200), 10, true, true);
            assertThat(reversed).extracting(e -> e.key()[0]).containsExactly((byte) 5, (byte) 4, (byte) 1);
            assertThat(reversed.get(1))
                    .isInstanceOfSatisfying(
                            ScanEntry.Value.class, v -> assertThat(v.value()).isNull());

            List<ScanEntry> bounded = r.scan(new KeyRange(key(2), key(5)), ReadView.at(200), 10, false, false);
            assertThat(bounded).extracting(e -> e.key()[0]).containsExactly((byte) 4);
            List<ScanEntry> boundedReverse = r.scan(new KeyRange(key(1), key(4)), ReadView.at(200), 10, true, false);
            assertThat(boundedReverse).extracting(e -> e.key()[0]).containsExactly((byte) 1);

            assertThat(r.scan(KeyRange.ALL, ReadView.at(200), 2, false, false)).hasSize(2);
            assertThat(r.scan(KeyRange.ALL, ReadView.at(200), 0, false, false)).isEmpty();
        }
    }

    @Test
    void scanLocksFiltersByTransaction() {
        f.prewrittenPut(key(1), key(1), 100, 3000, V1)
                .prewrittenPut(key(2), key(1), 200, 3000, V1)
                .prewrittenPut(key(3), key(1), 100, 3000, V1);
        try (MvccReader r = f.reader()) {
            List<LockedKey> locks = r.scanLocks(KeyRange.ALL, l -> l.startTs() == 100, 10);
            assertThat(locks).extracting(l -> l.key()[0]).containsExactly((byte) 1, (byte) 3);
            assertThat(r.scanLocks(new KeyRange(key(2), key()), l -> l.startTs() == 100, 10))
                    .extracting(l -> l.key()[0])
                    .containsExactly((byte) 3);
            assertThat(r.scanLocks(KeyRange.ALL, l -> true, 1)).hasSize(1);
        }
    }
}
