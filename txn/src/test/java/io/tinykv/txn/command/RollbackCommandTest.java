package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import org.junit.jupiter.api.Test;

/** KvBatchRollback: TinyKV 4C's Rollback cases. */
class RollbackCommandTest extends CommandTestBase {

    private static void assertOk(Kvrpcpb.BatchRollbackResponse r) {
        assertThat(r.hasRegionError()).isFalse();
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
    }

    private void assertRolledBack(byte[] key) {
        assertThat(f.writeAt(key, START).orElseThrow().write()).isEqualTo(Write.rollback(START));
    }

    @Test
    void rollbackEmpty() {
        assertOk(rollback(START));
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void rollbackSingleRemovesLockAndValueAndWritesRecord() {
        f.prewrittenPut(k(3), k(3), START, TTL, k(42));
        assertOk(rollback(START, k(3)));
        assertThat(f.counts()).containsExactly(0, 0, 1);
        assertRolledBack(k(3));
    }

    @Test
    void rollbackOfInlinedValueLock() {
        f.lock(k(3), putLock(k(3), START, k(42)));
        assertOk(rollback(START, k(3)));
        assertThat(f.counts()).containsExactly(0, 0, 1);
        assertRolledBack(k(3));
    }

    @Test
    void rollbackDuplicateKeys() {
        f.prewrittenPut(k(3), k(3), START, TTL, k(42)).prewrittenPut(k(15), k(3), START, TTL, k(43));
        assertOk(rollback(START, k(3), k(15), k(3)));
        assertThat(f.counts()).containsExactly(0, 0, 2);
        assertRolledBack(k(3));
        assertRolledBack(k(15));
    }

    @Test
    void rollbackMissingPrewriteStillWritesRecord() {
        f.committedPut(k(3), 80, 84, k(15));
        assertOk(rollback(START, k(3)));
        assertThat(f.counts()).containsExactly(1, 0, 2);
        assertRolledBack(k(3));
    }

    @Test
    void rollbackCommittedAborts() {
        f.value(k(3), START, k(42)).write(k(3), COMMIT, new Write(WriteKind.PUT, START, null));
        Kvrpcpb.BatchRollbackResponse r = rollback(START, k(3));
        assertThat(r.getError().getAbort()).contains("already committed");
        assertThat(f.counts()).containsExactly(1, 0, 1);
    }

    @Test
    void rollbackRepeatedChangesNothing() {
        f.write(k(3), START, Write.rollback(START));
        assertOk(rollback(START, k(3)));
        assertThat(f.counts()).containsExactly(0, 0, 1);
    }

    @Test
    void rollbackLeavesAnotherTransactionsLockAlone() {
        Lock other = putLock(k(3), START + 1, k(42));
        f.lock(k(3), other);
        assertOk(rollback(START, k(3)));
        assertThat(f.lockOf(k(3))).contains(other);
        assertThat(f.counts()).containsExactly(0, 1, 1);
        assertRolledBack(k(3));
    }

    @Test
    void rollbackAtTheCommitTsOfAnotherTxnMarksItsRecord() {
        Write committed = new Write(WriteKind.PUT, 90, k(7));
        f.write(k(3), START, committed);
        assertOk(rollback(START, k(3)));
        assertThat(f.writeAt(k(3), START).orElseThrow().write()).isEqualTo(committed.withOverlappedRollback());
        assertThat(get(k(3), START).getValue().toByteArray()).containsExactly(7);
        assertOk(rollback(START, k(3)));
        assertThat(f.counts()).containsExactly(0, 0, 1);
    }

    @Test
    void rollbackNeedsStartVersion() {
        assertThat(rollback(0, k(3)).getError().getAbort()).contains("start_version");
    }
}
