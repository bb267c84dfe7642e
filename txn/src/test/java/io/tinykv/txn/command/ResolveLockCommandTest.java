package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** KvResolveLock: TinyKV 4C's ResolveLock cases and then some. */
class ResolveLockCommandTest extends CommandTestBase {

    private static final long OTHER = START + 50;

    private Kvrpcpb.ResolveLockRequest.Builder resolve(long startTs, long commitTs, byte[]... keys) {
        return Kvrpcpb.ResolveLockRequest.newBuilder()
                .setContext(ctx())
                .setStartVersion(startTs)
                .setCommitVersion(commitTs)
                .addAllKeys(Arrays.stream(keys).map(CommandTestBase::bs).toList());
    }

    private static void assertOk(Kvrpcpb.ResolveLockResponse r) {
        assertThat(r.hasRegionError()).isFalse();
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
    }

    /** Our transaction locked 3 and 7 (7 with a value in the default CF); another one locked 5. */
    private Lock layout() {
        Lock other = putLock(k(5), OTHER, k(55));
        f.lock(k(3), putLock(k(3), START, k(33)))
                .prewrittenPut(k(7), k(3), START, TTL, k(77))
                .lock(k(5), other);
        return other;
    }

    @Test
    void resolveEmpty() {
        assertOk(txn.resolveLock(resolve(START, COMMIT).build()));
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void resolveCommit() {
        Lock other = layout();
        assertOk(txn.resolveLock(resolve(START, COMMIT).build()));
        assertThat(f.writeAt(k(3), COMMIT).orElseThrow().write()).isEqualTo(new Write(WriteKind.PUT, START, k(33)));
        assertThat(f.writeAt(k(7), COMMIT).orElseThrow().kind()).isEqualTo(WriteKind.PUT);
        assertThat(get(k(7), COMMIT).getValue().toByteArray()).containsExactly(77);
        assertThat(f.lockOf(k(5))).contains(other);
        assertThat(f.counts()).containsExactly(1, 1, 2);
    }

    @Test
    void resolveRollback() {
        Lock other = layout();
        assertOk(txn.resolveLock(resolve(START, 0).build()));
        assertThat(f.writeAt(k(3), START).orElseThrow().write()).isEqualTo(Write.rollback(START));
        assertThat(f.writeAt(k(7), START).orElseThrow().write()).isEqualTo(Write.rollback(START));
        assertThat(f.lockOf(k(5))).contains(other);
        assertThat(f.counts()).containsExactly(0, 1, 2);
    }

    @Test
    void resolveCommitWhenOneKeyIsAlreadyCommitted() {
        f.write(k(3), COMMIT, new Write(WriteKind.PUT, START, k(33))).prewrittenPut(k(7), k(3), START, TTL, k(77));
        assertOk(txn.resolveLock(resolve(START, COMMIT).build()));
        assertThat(f.counts()).containsExactly(1, 0, 2);
        assertThat(f.writeAt(k(7), COMMIT)).isPresent();
    }

    @Test
    void resolveRollbackWhenOneKeyIsAlreadyRolledBack() {
        f.write(k(3), START, Write.rollback(START)).prewrittenPut(k(7), k(3), START, TTL, k(77));
        assertOk(txn.resolveLock(resolve(START, 0).build()));
        assertThat(f.counts()).containsExactly(0, 0, 2);
        assertThat(f.writeAt(k(7), START).orElseThrow().write()).isEqualTo(Write.rollback(START));
    }

    @Test
    void resolveGivenKeysOnly() {
        layout();
        assertOk(txn.resolveLock(resolve(START, COMMIT, k(3)).build()));
        assertThat(f.writeAt(k(3), COMMIT)).isPresent();
        assertThat(f.lockOf(k(7))).isPresent();
        // Named keys are resolved even without a lock: a rollback leaves its record.
        assertOk(txn.resolveLock(resolve(START + 1, 0, k(9)).build()));
        assertThat(f.writeAt(k(9), START + 1).orElseThrow().write()).isEqualTo(Write.rollback(START + 1));
    }

    @Test
    void resolveSeveralTransactionsThroughTxnInfos() {
        layout();
        Kvrpcpb.ResolveLockRequest req = Kvrpcpb.ResolveLockRequest.newBuilder()
                .setContext(ctx())
                .addTxnInfos(Kvrpcpb.TxnInfo.newBuilder().setTxn(START).setStatus(COMMIT))
                .addTxnInfos(Kvrpcpb.TxnInfo.newBuilder().setTxn(OTHER).setStatus(0))
                .build();
        assertOk(txn.resolveLock(req));
        assertThat(f.counts()).containsExactly(1, 0, 3);
        assertThat(f.writeAt(k(5), OTHER).orElseThrow().write()).isEqualTo(Write.rollback(OTHER));
        assertThat(f.writeAt(k(3), COMMIT)).isPresent();
    }

    @Test
    void resolveMoreLocksThanOneBatch() {
        int count = TxnCommands.RESOLVE_LOCK_BATCH_SIZE * 2 + 3;
        for (int i = 0; i < count; i++) {
            f.lock(k(i >> 8, i & 0xFF), putLock(k(0, 0), START, k(1)));
        }
        assertOk(txn.resolveLock(resolve(START, COMMIT).build()));
        assertThat(f.counts()).containsExactly(0, 0, count);
    }

    @Test
    void resolveStaysInsideTheRegion() {
        layout();
        TxnCommands regional = new TxnCommands(storage, new Latches(), RegionBounds.fixed(new KeyRange(k(1), k(5))));
        assertOk(regional.resolveLock(resolve(START, COMMIT).build()));
        assertThat(f.writeAt(k(3), COMMIT)).isPresent();
        assertThat(f.lockOf(k(7))).isPresent();
        assertThat(regional.resolveLock(resolve(START, COMMIT, k(7)).build())
                        .getRegionError()
                        .hasKeyNotInRegion())
                .isTrue();
    }

    @Test
    void resolveRefusesCommitTsNotAfterStartTs() {
        layout();
        assertThat(txn.resolveLock(resolve(START, START).build()).getError().getAbort())
                .contains("commit ts");
        assertThat(txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                                .setContext(ctx())
                                .build())
                        .getError()
                        .getAbort())
                .contains("names no transaction");
        assertThat(f.lockOf(k(3))).isPresent();
    }
}
