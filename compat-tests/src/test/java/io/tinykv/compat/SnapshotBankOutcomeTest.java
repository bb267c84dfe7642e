package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tikv.common.exception.GrpcException;
import org.tikv.common.exception.KeyException;
import org.tikv.kvproto.Kvrpcpb;

/** How the bank reads a failed primary commit: rolled back for sure, or unknown. */
class SnapshotBankOutcomeTest {

    @Test
    void aCommitRefusedForALockThatWasRolledBackIsARollback() {
        // What the TiKV client throws once its commit retries run out: the store's key error wrapped twice.
        Kvrpcpb.KeyError error = Kvrpcpb.KeyError.newBuilder()
                .setRetryable("txn lock not found: txn 4709 has no lock on key 61 (it was rolled back)")
                .build();
        RuntimeException thrown = new GrpcException(
                "retry is exhausted.", new GrpcException("Txn commit primary key failed", new KeyException(error)));

        assertThat(SnapshotBank.lockWasRolledBack(thrown)).isTrue();
    }

    @Test
    void otherCommitFailuresStayUnknown() {
        Kvrpcpb.KeyError conflict = Kvrpcpb.KeyError.newBuilder()
                .setConflict(Kvrpcpb.WriteConflict.newBuilder().setStartTs(1).setConflictTs(2))
                .build();

        assertThat(SnapshotBank.lockWasRolledBack(new GrpcException("retry is exhausted.", new KeyException(conflict))))
                .as("a write conflict does not say the lock is gone")
                .isFalse();
        assertThat(SnapshotBank.lockWasRolledBack(
                        new GrpcException("deadline exceeded", new RuntimeException("UNAVAILABLE"))))
                .as("a lost response says nothing about the outcome")
                .isFalse();
        assertThat(SnapshotBank.lockWasRolledBack(new KeyException("txn lock not found")))
                .as("no key error attached")
                .isFalse();
    }
}
