package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KvGet and KvBatchGet: TinyKV 4B's Get cases and then some. */
class ReadCommandsTest extends CommandTestBase {

    @Test
    void getValue() {
        f.committedPut(k(99), 50, 54, k(42));
        Kvrpcpb.GetResponse r = get(k(99), 200);
        assertThat(r.hasError()).isFalse();
        assertThat(r.hasRegionError()).isFalse();
        assertThat(r.getNotFound()).isFalse();
        assertThat(r.getValue().toByteArray()).containsExactly(42);
    }

    @Test
    void getValueAtOlderTs() {
        f.committedPut(k(99), 50, 54, k(42)).committedPut(k(99), 60, 66, k(43));
        assertThat(get(k(99), 60).getValue().toByteArray()).containsExactly(42);
        assertThat(get(k(99), 66).getValue().toByteArray()).containsExactly(43);
    }

    @Test
    void getEmptyKeyOfAnotherKey() {
        f.committedPut(k(100), 50, 54, k(42));
        Kvrpcpb.GetResponse r = get(k(100, 0), 200);
        assertThat(r.hasError()).isFalse();
        assertThat(r.getNotFound()).isTrue();
    }

    @Test
    void getNone() {
        f.committedPut(k(101), 50, 54, k(42)).committedPut(k(101, 0), 60, 66, k(43));
        Kvrpcpb.GetResponse r = get(k(100), 200);
        assertThat(r.getNotFound()).isTrue();
        assertThat(r.getValue().isEmpty()).isTrue();
    }

    @Test
    void getSeveralVersions() {
        f.committedPut(k(99), 50, 54, k(42)).committedPut(k(99), 60, 66, k(43)).committedPut(k(99), 120, 122, k(44));
        assertThat(get(k(99), 40).getNotFound()).isTrue();
        assertThat(get(k(99), 56).getValue().toByteArray()).containsExactly(42);
        assertThat(get(k(99), 121).getValue().toByteArray()).containsExactly(43);
        assertThat(get(k(99), 200).getValue().toByteArray()).containsExactly(44);
    }

    @Test
    void getDeleted() {
        f.committedPut(k(99), 50, 54, k(42)).committedDelete(k(99), 60, 66);
        assertThat(get(k(99), 60).getValue().toByteArray()).containsExactly(42);
        assertThat(get(k(99), 66).getNotFound()).isTrue();
        assertThat(get(k(99), 200).getNotFound()).isTrue();
    }

    @Test
    void getLockedBlocksReadsAfterTheLockOnly() {
        f.committedPut(k(99), 50, 54, k(42)).lock(k(99), putLock(k(99), 200, k(43)));
        Kvrpcpb.GetResponse early = get(k(99), 55);
        assertThat(early.hasError()).isFalse();
        assertThat(early.getValue().toByteArray()).containsExactly(42);

        Kvrpcpb.GetResponse blocked = get(k(99), 300);
        assertThat(blocked.getError().hasLocked()).isTrue();
        Kvrpcpb.LockInfo info = blocked.getError().getLocked();
        assertThat(info.getLockVersion()).isEqualTo(200);
        assertThat(info.getKey().toByteArray()).containsExactly(99);
        assertThat(info.getPrimaryLock().toByteArray()).containsExactly(99);
        assertThat(info.getLockTtl()).isEqualTo(TTL);
        assertThat(blocked.getValue().isEmpty()).isTrue();
    }

    @Test
    void getIgnoresLockKindLocksAndConfirmedBypassesAndReadCommitted() {
        // Secondary k(98) of txn 200 whose primary k(99) was pushed above the read at 300.
        f.committedPut(k(98), 50, 54, k(42))
                .lock(k(98), putLock(k(99), 200, k(43)))
                .lock(
                        k(99),
                        new io.tinykv.txn.mvcc.Lock(io.tinykv.txn.mvcc.LockKind.PUT, k(99), 200, TTL, 301, 0, k(44)));
        Kvrpcpb.GetRequest bypass = Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx().toBuilder().addResolvedLocks(200))
                .setKey(bs(k(98)))
                .setVersion(300)
                .build();
        assertThat(txn.get(bypass).getValue().toByteArray()).containsExactly(42);
        Kvrpcpb.GetRequest readCommitted = bypass.toBuilder()
                .setContext(ctx().toBuilder().setIsolationLevel(Kvrpcpb.IsolationLevel.RC))
                .build();
        assertThat(txn.get(readCommitted).getValue().toByteArray()).containsExactly(42);

        f.lock(k(97), new io.tinykv.txn.mvcc.Lock(io.tinykv.txn.mvcc.LockKind.LOCK, k(97), 200, TTL, 0, 1, null));
        assertThat(get(k(97), 300).hasError()).isFalse();
    }

    @Test
    void getLatestOfPrimaryReadsThroughItsOwnLock() {
        f.committedPut(k(99), 50, 54, k(42))
                .lock(k(99), putLock(k(99), 200, k(43)))
                .lock(k(97), putLock(k(99), 200, k(43)));
        assertThat(get(k(99), io.tinykv.txn.mvcc.Timestamps.MAX).getValue().toByteArray())
                .containsExactly(42);
        assertThat(get(k(97), io.tinykv.txn.mvcc.Timestamps.MAX).getError().hasLocked())
                .isTrue();
    }

    @Test
    void getSkipsRollbackAndLockRecords() {
        f.committedPut(k(99), 50, 54, k(42))
                .write(k(99), 60, Write.rollback(60))
                .write(k(99), 72, new Write(WriteKind.LOCK, 70, null));
        assertThat(get(k(99), 200).getValue().toByteArray()).containsExactly(42);
    }

    @Test
    void getRejectsEmptyKey() {
        Kvrpcpb.GetResponse r = get(k(), 200);
        assertThat(r.getError().getAbort()).contains("key must not be empty");
    }

    @Test
    void batchGetReportsValuesAndLocksAndOmitsMissingKeys() {
        f.committedPut(k(1), 50, 54, k(11))
                .committedPut(k(2), 50, 54, k(12))
                .committedDelete(k(2), 60, 66)
                .lock(k(3), putLock(k(3), 80, k(13)));
        Kvrpcpb.BatchGetResponse r = txn.batchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                .setContext(ctx())
                .setVersion(200)
                .addAllKeys(List.of(bs(k(1)), bs(k(2)), bs(k(3)), bs(k(4))))
                .build());
        assertThat(r.hasError()).isFalse();
        assertThat(r.getPairsList()).hasSize(2);
        assertThat(r.getPairs(0).getKey().toByteArray()).containsExactly(1);
        assertThat(r.getPairs(0).getValue().toByteArray()).containsExactly(11);
        assertThat(r.getPairs(1).getKey().toByteArray()).containsExactly(3);
        assertThat(r.getPairs(1).getError().getLocked().getLockVersion()).isEqualTo(80);
    }
}
