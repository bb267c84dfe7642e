package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** KvPrewrite: TinyKV 4B's Prewrite cases and then some. */
class PrewriteCommandTest extends CommandTestBase {

    private static void assertOk(Kvrpcpb.PrewriteResponse r) {
        assertThat(r.hasRegionError()).isFalse();
        assertThat(r.getErrorsList()).isEmpty();
    }

    @Test
    void prewriteEmpty() {
        assertOk(prewrite(k(1), START));
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void prewriteSingleLeavesExactLock() {
        assertOk(prewrite(k(3), START, put(k(3), k(42))));
        assertThat(f.counts()).containsExactly(0, 1, 0);
        assertThat(f.lockOf(k(3))).contains(new Lock(LockKind.PUT, k(3), START, TTL, 0, 0, k(42)));
    }

    @Test
    void prewriteLongValueGoesToDefaultColumnFamily() {
        byte[] big = new byte[Lock.SHORT_VALUE_MAX_BYTES + 1];
        big[7] = 5;
        assertOk(prewrite(k(3), START, put(k(3), big)));
        assertThat(f.counts()).containsExactly(1, 1, 0);
        assertThat(f.rawValue(k(3), START)).isEqualTo(big);
        assertThat(f.lockOf(k(3)).orElseThrow().hasShortValue()).isFalse();
    }

    @Test
    void prewriteAlreadyLockedReportsOneErrorAndWritesNothing() {
        f.lock(k(3), putLock(k(3), START - 1, k(7)));
        Kvrpcpb.PrewriteResponse r = prewrite(k(1), START, put(k(1), k(42)), put(k(3), k(43)));
        assertThat(r.getErrorsList()).hasSize(1);
        assertThat(r.getErrors(0).getLocked().getLockVersion()).isEqualTo(START - 1);
        assertThat(r.getErrors(0).getLocked().getKey().toByteArray()).containsExactly(3);
        assertThat(f.counts()).containsExactly(0, 1, 0);
        assertThat(f.lockOf(k(1))).isEmpty();
    }

    @Test
    void prewriteReportsEveryLockedKey() {
        f.lock(k(3), putLock(k(3), 50, k(7))).lock(k(4), putLock(k(4), 60, k(7)));
        Kvrpcpb.PrewriteResponse r = prewrite(k(1), START, put(k(1), k(42)), put(k(3), k(43)), put(k(4), k(44)));
        assertThat(r.getErrorsList())
                .extracting(e -> e.getLocked().getLockVersion())
                .containsExactly(50L, 60L);
    }

    @Test
    void prewriteWrittenAfterStartTsConflicts() {
        f.committedPut(k(3), 90, START + 1, k(5));
        Kvrpcpb.PrewriteResponse r = prewrite(k(3), START, put(k(3), k(42)));
        assertThat(r.getErrorsList()).hasSize(1);
        Kvrpcpb.KeyError e = r.getErrors(0);
        assertThat(e.hasConflict()).isTrue();
        assertThat(e.getConflict().getStartTs()).isEqualTo(START);
        assertThat(e.getConflict().getConflictTs()).isEqualTo(90);
        assertThat(e.getConflict().getConflictCommitTs()).isEqualTo(START + 1);
        assertThat(e.getConflict().getKey().toByteArray()).containsExactly(3);
        assertThat(e.getRetryable()).isNotEmpty();
        assertThat(f.counts()).containsExactly(1, 0, 1);
    }

    @Test
    void prewriteWrittenBeforeStartTsDoesNotConflict() {
        f.committedPut(k(3), 80, START - 1, k(5));
        assertOk(prewrite(k(3), START, put(k(3), k(42))));
        assertThat(f.counts()).containsExactly(1, 1, 1);
    }

    @Test
    void prewriteSeveralKeys() {
        assertOk(prewrite(k(1), START, put(k(1), k(10)), del(k(2)), mutation(Kvrpcpb.Op.Lock, k(3))));
        assertThat(f.counts()).containsExactly(0, 3, 0);
        assertThat(f.lockOf(k(2)).orElseThrow().kind()).isEqualTo(LockKind.DELETE);
        assertThat(f.lockOf(k(3)).orElseThrow().kind()).isEqualTo(LockKind.LOCK);
        assertThat(f.lockOf(k(3)).orElseThrow().primary()).containsExactly(1);
    }

    @Test
    void prewriteOverwritesCommittedValueWithNewLock() {
        f.committedPut(k(1), 50, 60, k(5));
        assertOk(prewrite(k(1), START, put(k(1), k(6))));
        assertThat(f.lockOf(k(1)).orElseThrow().shortValue()).containsExactly(6);
        assertThat(get(k(1), START - 1).getValue().toByteArray()).containsExactly(5);
    }

    @Test
    void rePrewriteBySameTxnIsIdempotent() {
        assertOk(prewrite(k(1), START, put(k(1), k(10)), put(k(2), k(11))));
        Lock first = f.lockOf(k(1)).orElseThrow();
        assertOk(prewrite(k(1), START, put(k(1), k(10)), put(k(2), k(11))));
        assertThat(f.counts()).containsExactly(0, 2, 0);
        assertThat(f.lockOf(k(1))).contains(first);
    }

    @Test
    void replayedPrewriteNeverTakesBackTtlOrMinCommitTs() {
        assertOk(prewrite(k(1), START, put(k(1), k(10))));
        Lock raised = f.lockOf(k(1)).orElseThrow().withTtl(TTL * 10).withMinCommitTs(START + 50);
        f.lock(k(1), raised);
        assertOk(prewrite(k(1), START, put(k(1), k(10))));
        assertThat(f.lockOf(k(1))).contains(raised);
        assertOk(prewrite(k(1), START, put(k(1), k(11))));
        Lock replaced = f.lockOf(k(1)).orElseThrow();
        assertThat(replaced.shortValue()).containsExactly(11);
        assertThat(replaced.ttlMillis()).isEqualTo(TTL * 10);
        assertThat(replaced.minCommitTs()).isEqualTo(START + 50);
    }

    @Test
    void prewriteOverwritesOwnLock() {
        byte[] big = new byte[Lock.SHORT_VALUE_MAX_BYTES + 1];
        assertOk(prewrite(k(1), START, put(k(1), big)));
        assertThat(f.counts()).containsExactly(1, 1, 0);
        assertOk(prewrite(k(1), START, put(k(1), k(12))));
        assertThat(f.counts()).containsExactly(0, 1, 0);
        assertThat(f.lockOf(k(1)).orElseThrow().shortValue()).containsExactly(12);
        assertOk(prewrite(k(1), START, del(k(1))));
        assertThat(f.lockOf(k(1)).orElseThrow().kind()).isEqualTo(LockKind.DELETE);
        assertThat(commit(START, COMMIT, k(1)).hasError()).isFalse();
        assertThat(get(k(1), COMMIT).getNotFound()).isTrue();
    }

    @Test
    void prewriteAfterRollbackFails() {
        assertThat(rollback(START, k(1)).hasError()).isFalse();
        Kvrpcpb.PrewriteResponse r = prewrite(k(1), START, put(k(1), k(10)));
        assertThat(r.getErrors(0).hasConflict()).isTrue();
        assertThat(r.getErrors(0).getRetryable()).contains("was rolled back").doesNotContain("committed at");
        assertThat(f.lockOf(k(1))).isEmpty();
    }

    @Test
    void prewriteAfterOverlappedRollbackFails() {
        f.write(k(1), START, new Write(WriteKind.PUT, 90, k(3)).withOverlappedRollback());
        Kvrpcpb.KeyError e = prewrite(k(1), START, put(k(1), k(10))).getErrors(0);
        assertThat(e.hasConflict()).isTrue();
        assertThat(e.getRetryable()).contains("was rolled back").doesNotContain("committed at");
    }

    @Test
    void aConflictWithANewerRollbackRecordNamesItARollback() {
        assertThat(rollback(START + 5, k(1)).hasError()).isFalse();
        Kvrpcpb.KeyError e = prewrite(k(1), START, put(k(1), k(10))).getErrors(0);
        assertThat(e.getConflict().getConflictTs()).isEqualTo(START + 5);
        assertThat(e.getConflict().getConflictCommitTs()).isEqualTo(START + 5);
        assertThat(e.getRetryable())
                .contains("rollback record of txn " + (START + 5))
                .doesNotContain("committed at");
    }

    @Test
    void insertOfExistingKeyFails() {
        f.committedPut(k(1), 50, 60, k(5));
        Kvrpcpb.PrewriteResponse r = prewrite(k(1), START, mutation(Kvrpcpb.Op.Insert, k(1)));
        assertThat(r.getErrors(0).getAlreadyExist().getKey().toByteArray()).containsExactly(1);
        f.committedDelete(k(1), 70, 80);
        assertOk(prewrite(k(1), START, mutation(Kvrpcpb.Op.Insert, k(1))));
        assertOk(prewrite(k(1), START, mutation(Kvrpcpb.Op.CheckNotExists, k(2))));
        assertThat(f.lockOf(k(2))).isEmpty();
    }

    @Test
    void storesTtlMinCommitTsAndTxnSize() {
        Kvrpcpb.PrewriteRequest req = prewriteRequest(k(1), START, put(k(1), k(10))).toBuilder()
                .setLockTtl(12345)
                .setMinCommitTs(START + 1)
                .setTxnSize(7)
                .build();
        assertOk(txn.prewrite(req));
        Lock lock = f.lockOf(k(1)).orElseThrow();
        assertThat(lock.ttlMillis()).isEqualTo(12345);
        assertThat(lock.minCommitTs()).isEqualTo(START + 1);
        assertThat(lock.txnSize()).isEqualTo(7);
    }

    @Test
    void invalidRequestsAreRefusedClearly() {
        assertThat(prewrite(k(), START, put(k(1), k(1))).getErrors(0).getAbort())
                .contains("primary_lock");
        assertThat(prewrite(k(1), 0, put(k(1), k(1))).getErrors(0).getAbort()).contains("start_version");
        assertThat(prewrite(k(1), START, put(k(), k(1))).getErrors(0).getAbort())
                .contains("mutation key");
        assertThat(prewrite(k(1), START, put(k(1), k(1)), del(k(1)))
                        .getErrors(0)
                        .getAbort())
                .contains("two mutations");
        assertThat(prewrite(k(1), START, mutation(Kvrpcpb.Op.Rollback, k(1)))
                        .getErrors(0)
                        .getAbort())
                .contains("not supported");
        Kvrpcpb.PrewriteRequest pessimistic = prewriteRequest(k(1), START, put(k(1), k(1))).toBuilder()
                .setForUpdateTs(START)
                .build();
        assertThat(txn.prewrite(pessimistic).getErrors(0).getAbort()).contains("pessimistic");
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void asyncCommitRequestFallsBackToTwoPhaseCommit() {
        Kvrpcpb.PrewriteRequest req = prewriteRequest(k(1), START, put(k(1), k(10))).toBuilder()
                .setUseAsyncCommit(true)
                .addAllSecondaries(List.of(bs(k(2))))
                .setTryOnePc(true)
                .build();
        Kvrpcpb.PrewriteResponse r = txn.prewrite(req);
        assertOk(r);
        assertThat(r.getMinCommitTs()).isZero();
        assertThat(r.getOnePcCommitTs()).isZero();
        assertThat(f.lockOf(k(1))).isPresent();
    }
}
