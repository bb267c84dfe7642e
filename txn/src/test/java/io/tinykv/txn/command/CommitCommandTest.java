package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.mvcc.CommittedWrite;
import io.tinykv.txn.mvcc.Lock;
import io.tinykv.txn.mvcc.LockKind;
import io.tinykv.txn.mvcc.Write;
import io.tinykv.txn.mvcc.WriteKind;
import org.junit.jupiter.api.Test;

/** KvCommit: TinyKV 4B's Commit cases and then some. */
class CommitCommandTest extends CommandTestBase {

    private static void assertOk(Kvrpcpb.CommitResponse r) {
        assertThat(r.hasRegionError()).isFalse();
        assertThat(r.hasError()).as("%s", r.getError()).isFalse();
    }

    @Test
    void commitEmpty() {
        assertOk(commit(START, COMMIT));
        assertThat(f.counts()).containsExactly(0, 0, 0);
    }

    @Test
    void commitSingle() {
        f.prewrittenPut(k(3), k(3), START, TTL, k(42));
        assertOk(commit(START, COMMIT, k(3)));
        assertThat(f.counts()).containsExactly(1, 0, 1);
        assertThat(f.writeAt(k(3), COMMIT)).contains(new CommittedWrite(COMMIT, new Write(WriteKind.PUT, START, null)));
        assertThat(get(k(3), COMMIT).getValue().toByteArray()).containsExactly(42);
        assertThat(get(k(3), COMMIT - 1).getNotFound()).isTrue();
    }

    @Test
    void commitOverwritesOlderValue() {
        f.committedPut(k(3), 50, 60, k(15)).prewrittenPut(k(3), k(3), START, TTL, k(42));
        assertOk(commit(START, COMMIT, k(3)));
        assertThat(f.counts()).containsExactly(2, 0, 2);
        assertThat(get(k(3), COMMIT).getValue().toByteArray()).containsExactly(42);
        assertThat(get(k(3), COMMIT - 1).getValue().toByteArray()).containsExactly(15);
    }

    @Test
    void commitMultipleKeysIncludingDeleteAndLock() {
        assertThat(prewrite(k(1), START, put(k(1), k(10)), del(k(2)), mutation(Kvrpcpb.Op.Lock, k(3)))
                        .getErrorsList())
                .isEmpty();
        assertOk(commit(START, COMMIT, k(1), k(2), k(3)));
        assertThat(f.counts()).containsExactly(0, 0, 3);
        assertThat(f.writeAt(k(1), COMMIT).orElseThrow().kind()).isEqualTo(WriteKind.PUT);
        assertThat(f.writeAt(k(2), COMMIT).orElseThrow().kind()).isEqualTo(WriteKind.DELETE);
        assertThat(f.writeAt(k(3), COMMIT).orElseThrow().kind()).isEqualTo(WriteKind.LOCK);
        assertThat(f.writeAt(k(1), COMMIT).orElseThrow().write().shortValue()).containsExactly(10);
    }

    @Test
    void recommitIsIdempotent() {
        f.prewrittenPut(k(3), k(3), START, TTL, k(42));
        assertOk(commit(START, COMMIT, k(3)));
        assertOk(commit(START, COMMIT, k(3)));
        assertThat(f.counts()).containsExactly(1, 0, 1);
    }

    @Test
    void commitAfterRollbackFails() {
        f.prewrittenPut(k(3), k(3), START, TTL, k(42));
        assertThat(rollback(START, k(3)).hasError()).isFalse();
        Kvrpcpb.CommitResponse r = commit(START, COMMIT, k(3));
        assertThat(r.getError().getRetryable()).contains("lock not found").contains("rolled back");
        assertThat(f.counts()).containsExactly(0, 0, 1);
        assertThat(f.writeAt(k(3), START).orElseThrow().kind()).isEqualTo(WriteKind.ROLLBACK);
    }

    @Test
    void commitOfKeyLockedByAnotherTxnIsRetryable() {
        f.prewrittenPut(k(3), k(3), START + 1, TTL, k(42));
        Kvrpcpb.CommitResponse r = commit(START, COMMIT, k(3));
        assertThat(r.getError().getRetryable()).isNotEmpty();
        assertThat(f.lockOf(k(3)).orElseThrow().startTs()).isEqualTo(START + 1);
        assertThat(f.counts()).containsExactly(1, 1, 0);
    }

    @Test
    void commitRaceAfterAnotherTxnTookTheKeyAfterRollback() {
        // Our txn was rolled back, then another transaction locked the key: our commit must fail.
        f.write(k(3), START, Write.rollback(START)).prewrittenPut(k(3), k(3), START + 5, TTL, k(42));
        assertThat(commit(START, COMMIT, k(3)).getError().getRetryable()).isNotEmpty();
        assertThat(f.counts()).containsExactly(1, 1, 1);
    }

    @Test
    void commitRepeatAfterLockIsGoneSucceedsWhenCommitRecordExists() {
        f.prewrittenPut(k(3), k(3), START, TTL, k(42));
        assertOk(commit(START, COMMIT, k(3)));
        // A newer transaction writes the key; the old commit is repeated (lost response, retry).
        f.prewrittenPut(k(3), k(3), COMMIT + 5, TTL, k(43));
        assertOk(commit(START, COMMIT, k(3)));
        assertThat(f.lockOf(k(3)).orElseThrow().startTs()).isEqualTo(COMMIT + 5);
    }

    @Test
    void commitWithNeitherLockNorWriteChangesNothing() {
        f.committedPut(k(3), 80, 84, k(15));
        int writesBefore = f.counts().stream().mapToInt(Integer::intValue).sum();
        Kvrpcpb.CommitResponse r = commit(START, COMMIT, k(3));
        // TiKV answers TxnLockNotFound (retryable) rather than a silent success: the transaction
        // never locked this key here, so claiming it committed could lose its write.
        assertThat(r.getError().getRetryable()).contains("lock not found");
        assertThat(f.counts()).containsExactly(1, 0, 1);
        assertThat(f.counts().stream().mapToInt(Integer::intValue).sum()).isEqualTo(writesBefore);
    }

    @Test
    void commitFailsBeforeAnyKeyIsWrittenWhenOneKeyFails() {
        f.prewrittenPut(k(1), k(1), START, TTL, k(42)).prewrittenPut(k(2), k(1), START + 1, TTL, k(43));
        assertThat(commit(START, COMMIT, k(1), k(2)).hasError()).isTrue();
        assertThat(f.lockOf(k(1))).isPresent();
        assertThat(f.writeAt(k(1), COMMIT)).isEmpty();
    }

    @Test
    void commitBelowMinCommitTsIsRefused() {
        f.lock(k(1), new Lock(LockKind.PUT, k(1), START, TTL, COMMIT + 5, 1, k(9)));
        Kvrpcpb.CommitResponse r = commit(START, COMMIT, k(1));
        assertThat(r.getError().getCommitTsExpired().getMinCommitTs()).isEqualTo(COMMIT + 5);
        assertThat(r.getError().getCommitTsExpired().getAttemptedCommitTs()).isEqualTo(COMMIT);
        assertOk(commit(START, COMMIT + 5, k(1)));
    }

    @Test
    void commitTsMustExceedStartTs() {
        f.prewrittenPut(k(1), k(1), START, TTL, k(42));
        assertThat(commit(START, START, k(1)).getError().getAbort()).contains("commit_version");
        assertThat(f.lockOf(k(1))).isPresent();
    }

    @Test
    void commitOverARollbackAtTheSameTsKeepsTheRollbackAsFlag() {
        // Transaction COMMIT was rolled back on this key; our commit lands on the same engine key.
        f.write(k(1), COMMIT, Write.rollback(COMMIT)).prewrittenPut(k(1), k(1), START, TTL, k(42));
        assertOk(commit(START, COMMIT, k(1)));
        Write w = f.writeAt(k(1), COMMIT).orElseThrow().write();
        assertThat(w.kind()).isEqualTo(WriteKind.PUT);
        assertThat(w.overlappedRollback()).isTrue();
        // The rolled-back transaction still cannot prewrite.
        assertThat(prewrite(k(1), COMMIT, put(k(1), k(1))).getErrors(0).hasConflict())
                .isTrue();
    }
}
