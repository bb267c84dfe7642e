package io.tinykv.txn.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Kvrpcpb;
import io.tinykv.txn.RegionBounds;
import io.tinykv.txn.TxnCommands;
import io.tinykv.txn.latch.Latches;
import io.tinykv.txn.mvcc.KeyRange;
import io.tinykv.txn.mvcc.Timestamps;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * P0 issue 11, the torn snapshot, replayed command by command as it was caught in the server's
 * trace of the TiKV-client bank (timestamps shortened):
 *
 * <ol>
 *   <li>transfer T (start {@code s}) prewrites its primary P (min_commit_ts = s, as the TiKV Java
 *       client sends it);
 *   <li>a reader at {@code r1} meets P's lock; {@code CheckTxnStatus(P, caller r1)} pushes P's min
 *       commit ts above r1 and answers MinCommitTSPushed; the client records T as resolved;
 *   <li>T prewrites its secondary S and commits P at {@code c > r1};
 *   <li>a reader at {@code r2 > c} sends {@code resolved_locks = [s]} again: client-java 3.3.5's
 *       {@code KVClient} keeps one resolved set for every later read, whatever its version. The
 *       store passed over S's lock on that word and returned P's new balance with S's old one.
 * </ol>
 *
 * The rule now: a resolved_locks bypass holds only while the primary (in the same snapshot) shows
 * that T cannot commit at or below the read.
 */
class TornSnapshotInterleavingTest extends CommandTestBase {

    private static final byte[] P = k(1);
    private static final byte[] S = k(2);
    private static final long MS = 1L << Timestamps.LOGICAL_BITS;
    private static final long BASE = Timestamps.compose(1_700_000_000_000L, 0);
    private static final long OLD_START = BASE;
    private static final long OLD_COMMIT = BASE + 1;
    private static final long S_TS = BASE + 10 * MS;
    private static final long R1 = S_TS + 5 * MS;
    private static final long C = R1 + 20 * MS;
    private static final long R2 = C + 10 * MS;

    private static final byte[] P_OLD = {100};
    private static final byte[] S_OLD = {100};
    private static final byte[] P_NEW = {90};
    private static final byte[] S_NEW = {110};

    private void bankOfTwo() {
        f.committedPut(P, OLD_START, OLD_COMMIT, P_OLD).committedPut(S, OLD_START, OLD_COMMIT, S_OLD);
    }

    private Kvrpcpb.PrewriteResponse prewriteAsClientJava(byte[] key, byte[] value) {
        return txn.prewrite(prewriteRequest(P, S_TS, put(key, value)).toBuilder()
                .setMinCommitTs(S_TS)
                .setTxnSize(16)
                .setLockTtl(1_000)
                .build());
    }

    private Kvrpcpb.CheckTxnStatusResponse checkStatus(long callerTs) {
        return txn.checkTxnStatus(Kvrpcpb.CheckTxnStatusRequest.newBuilder()
                .setContext(ctx())
                .setPrimaryKey(bs(P))
                .setLockTs(S_TS)
                .setCallerStartTs(callerTs)
                .setCurrentTs(callerTs + 1)
                .build());
    }

    private Kvrpcpb.BatchGetResponse readBoth(TxnCommands commands, long readTs, Long... resolved) {
        return commands.batchGet(Kvrpcpb.BatchGetRequest.newBuilder()
                .setContext(ctx().toBuilder().addAllResolvedLocks(List.of(resolved)))
                .setVersion(readTs)
                .addKeys(bs(P))
                .addKeys(bs(S))
                .build());
    }

    /** Prewrite P, a reader at R1 pushes it, prewrite S, commit P at C: S is still locked. */
    private void runUpToThePrimaryCommit() {
        bankOfTwo();
        assertThat(prewriteAsClientJava(P, P_NEW).getErrorsList()).isEmpty();
        Kvrpcpb.CheckTxnStatusResponse pushed = checkStatus(R1);
        assertThat(pushed.getAction()).isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);
        assertThat(pushed.getLockTtl()).isPositive();
        assertThat(prewriteAsClientJava(S, S_NEW).getErrorsList()).isEmpty();
        assertThat(commit(S_TS, C, P).hasError()).isFalse();
    }

    @Test
    void aResolvedLockClaimCarriedToALaterReadDoesNotHideTheSecondaryOfACommittedTransaction() {
        runUpToThePrimaryCommit();

        Kvrpcpb.BatchGetResponse torn = readBoth(txn, R2, S_TS);
        assertThat(torn.getPairsList()).hasSize(2);
        assertThat(torn.getPairs(0).getValue().toByteArray()).isEqualTo(P_NEW);
        // Before the fix: S_OLD, a snapshot summing to 190 instead of 200.
        assertThat(torn.getPairs(1).getError().getLocked().getLockVersion()).isEqualTo(S_TS);

        Kvrpcpb.GetResponse point = txn.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx().toBuilder().addResolvedLocks(S_TS))
                .setKey(bs(S))
                .setVersion(R2)
                .build());
        assertThat(point.getError().hasLocked()).isTrue();
        Kvrpcpb.ScanResponse scan = txn.scan(Kvrpcpb.ScanRequest.newBuilder()
                .setContext(ctx().toBuilder().addResolvedLocks(S_TS))
                .setStartKey(bs(P))
                .setLimit(10)
                .setVersion(R2)
                .build());
        assertThat(scan.getPairsList()).hasSize(2);
        assertThat(scan.getPairs(1).getError().hasLocked()).isTrue();
    }

    @Test
    void theReaderThenResolvesTheSecondaryAndSeesTheWholeTransfer() {
        runUpToThePrimaryCommit();
        assertThat(readBoth(txn, R2, S_TS).getPairs(1).hasError()).isTrue();

        // What the client does with the lock: the primary says committed at C (a final answer:
        // lock_ttl 0), so it commits S at C.
        Kvrpcpb.CheckTxnStatusResponse status = checkStatus(R2);
        assertThat(status.getLockTtl()).isZero();
        assertThat(status.getCommitVersion()).isEqualTo(C);
        assertThat(txn.resolveLock(Kvrpcpb.ResolveLockRequest.newBuilder()
                                .setContext(ctx())
                                .setStartVersion(S_TS)
                                .setCommitVersion(C)
                                .build())
                        .hasError())
                .isFalse();

        Kvrpcpb.BatchGetResponse whole = readBoth(txn, R2, S_TS);
        assertThat(whole.getPairsList())
                .extracting(p -> p.getValue().toByteArray())
                .containsExactly(P_NEW, S_NEW);
    }

    @Test
    void aClaimThePushedPrimaryConfirmsStillLetsTheReaderPass() {
        bankOfTwo();
        prewriteAsClientJava(P, P_NEW);
        prewriteAsClientJava(S, S_NEW);
        assertThat(checkStatus(R1).getAction()).isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);

        // P's own lock now has min_commit_ts above R1; S is passed over on the client's word,
        // which P confirms.
        Kvrpcpb.BatchGetResponse read = readBoth(txn, R1, S_TS);
        assertThat(read.getPairsList())
                .extracting(p -> p.getValue().toByteArray())
                .containsExactly(P_OLD, S_OLD);
        // Without the claim S still blocks: the push is recorded on the primary only.
        assertThat(readBoth(txn, R1).getPairs(1).getError().hasLocked()).isTrue();
        // And T may no longer commit at or below R1.
        assertThat(commit(S_TS, R1 - 1, P).getError().hasCommitTsExpired()).isTrue();
    }

    @Test
    void aClaimForATransactionCommittedAboveTheReadOrRolledBackLetsTheReaderPass() {
        runUpToThePrimaryCommit();
        long between = C - 1;
        Kvrpcpb.BatchGetResponse aboveRead = readBoth(txn, between, S_TS);
        assertThat(aboveRead.getPairsList())
                .extracting(p -> p.getValue().toByteArray())
                .containsExactly(P_OLD, S_OLD);

        f.lock(k(3), putLock(k(4), S_TS + 1, new byte[] {7}))
                .write(k(4), S_TS + 1, io.tinykv.txn.mvcc.Write.rollback(S_TS + 1));
        Kvrpcpb.GetResponse rolledBack = txn.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx().toBuilder().addResolvedLocks(S_TS + 1))
                .setKey(bs(k(3)))
                .setVersion(R2)
                .build());
        assertThat(rolledBack.hasError()).isFalse();
        assertThat(rolledBack.getNotFound()).isTrue();
    }

    @Test
    void aClaimWhosePrimaryLiesInAnotherRegionIsNotTrusted() {
        bankOfTwo();
        prewriteAsClientJava(P, P_NEW);
        prewriteAsClientJava(S, S_NEW);
        assertThat(checkStatus(R1).getAction()).isEqualTo(Kvrpcpb.Action.MinCommitTSPushed);

        // A store serving only [S, ∞): P's confirmation is not in its snapshot.
        TxnCommands secondaryRegion =
                new TxnCommands(storage, new Latches(), RegionBounds.fixed(new KeyRange(S, new byte[0])));
        Kvrpcpb.GetResponse read = secondaryRegion.get(Kvrpcpb.GetRequest.newBuilder()
                .setContext(ctx().toBuilder().addResolvedLocks(S_TS))
                .setKey(bs(S))
                .setVersion(R1)
                .build());
        assertThat(read.getError().hasLocked()).isTrue();
    }
}
