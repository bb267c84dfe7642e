package io.tinykv.raft.sim;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.raft.MemoryStorage;
import io.tinykv.raft.ReadState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each invariant check must reject a history that breaks it, or the simulator proves nothing. */
class SafetyCheckerTest {
    private static final long BOOT = Bootstrap.DEFAULT_INDEX;

    private static Entry entry(long term, long index, String data) {
        return Entry.newBuilder()
                .setTerm(term)
                .setIndex(index)
                .setData(ByteString.copyFromUtf8(data))
                .build();
    }

    private static MemoryStorage diskWith(Entry... entries) {
        MemoryStorage disk = Bootstrap.storage(List.of(1L, 2L, 3L), List.of());
        disk.append(List.of(entries));
        return disk;
    }

    @Test
    void electionSafetyRejectsTwoLeadersInOneTerm() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        checker.checkElectionSafety(1, 5);
        assertThatCode(() -> checker.checkElectionSafety(1, 5)).doesNotThrowAnyException();
        assertThatCode(() -> checker.checkElectionSafety(2, 6)).doesNotThrowAnyException();
        assertThatThrownBy(() -> checker.checkElectionSafety(2, 5))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("both led term 5");
    }

    @Test
    void logMatchingRejectsDifferentEntriesUnderOneIndexAndTerm() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        Entry a = entry(2, 2, "a");
        checker.checkLogMatching(1, diskWith(a), List.of(a));
        checker.checkLogMatching(2, diskWith(a), List.of(a));
        Entry other = entry(2, 2, "b");
        assertThatThrownBy(() -> checker.checkLogMatching(3, diskWith(other), List.of(other)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("log matching");
    }

    @Test
    void logMatchingRejectsTheSameEntryAfterADifferentPrefix() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        Entry second = entry(3, 3, "x");
        checker.checkLogMatching(1, diskWith(entry(2, 2, "a"), second), List.of(second));
        assertThatThrownBy(() -> checker.checkLogMatching(2, diskWith(entry(1, 2, "a"), second), List.of(second)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("follows term 1");
    }

    @Test
    void aCommittedEntryMayNeverBeReplaced() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        checker.checkCommitted(1, 2, diskWith(entry(2, 2, "a")), BOOT, 2);
        assertThatThrownBy(() -> checker.checkCommitted(2, 2, diskWith(entry(3, 2, "b")), BOOT, 2))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("committed entry lost");
    }

    @Test
    void commitIndexMayNotGoBackNorPassTheDurableLog() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        MemoryStorage disk = diskWith(entry(2, 2, "a"));
        assertThatThrownBy(() -> checker.checkCommitted(1, 2, disk, 2, 1)).isInstanceOf(SafetyViolation.class);
        assertThatThrownBy(() -> checker.checkCommitted(1, 2, disk, 1, 3)).isInstanceOf(SafetyViolation.class);
    }

    @Test
    void leaderCompletenessRejectsALaterLeaderMissingACommittedEntry() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        checker.checkCommitted(1, 2, diskWith(entry(2, 2, "a"), entry(2, 3, "b")), BOOT, 3);
        assertThatCode(() -> checker.checkLeaderCompleteness(1, 3, diskWith(entry(2, 2, "a"), entry(2, 3, "b"))))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> checker.checkLeaderCompleteness(2, 3, diskWith(entry(2, 2, "a"))))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("leader completeness");
        assertThatThrownBy(() -> checker.checkLeaderCompleteness(3, 3, diskWith(entry(2, 2, "a"), entry(3, 3, "c"))))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("at index 3");
    }

    @Test
    void aLeaderOfAnEarlierTermNeedNotHoldLaterCommits() {
        // A delayed vote can elect a leader for term 2 after term 3 committed index 3: legal in Raft.
        SafetyChecker checker = new SafetyChecker(BOOT);
        checker.checkCommitted(1, 3, diskWith(entry(2, 2, "a"), entry(3, 3, "b")), BOOT, 3);
        assertThatCode(() -> checker.checkLeaderCompleteness(2, 2, diskWith(entry(2, 2, "a"), entry(2, 3, "x"))))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> checker.checkLeaderCompleteness(2, 4, diskWith(entry(2, 2, "a"), entry(2, 3, "x"))))
                .isInstanceOf(SafetyViolation.class);
    }

    @Test
    void stateMachineSafetyRejectsApplyingAnUncommittedOrDifferentEntry() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        Entry a = entry(2, 2, "a");
        checker.checkCommitted(1, 2, diskWith(a), BOOT, 2);
        AppliedState good = bootState();
        good.apply(a, good.confState());
        assertThatCode(() -> checker.checkApplied(1, List.of(a), good)).doesNotThrowAnyException();

        AppliedState bad = bootState();
        Entry b = entry(2, 2, "b");
        bad.apply(b, bad.confState());
        assertThatThrownBy(() -> checker.checkApplied(2, List.of(b), bad))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("state machine safety");

        AppliedState ahead = bootState();
        ahead.apply(a, ahead.confState());
        Entry uncommitted = entry(2, 3, "c");
        ahead.apply(uncommitted, ahead.confState());
        assertThatThrownBy(() -> checker.checkApplied(3, List.of(uncommitted), ahead))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("no durable commit index covers");
    }

    @Test
    void aSnapshotMustDescribeTheAppliedHistory() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        Entry a = entry(2, 2, "a");
        checker.checkCommitted(1, 2, diskWith(a), BOOT, 2);
        AppliedState state = bootState();
        state.apply(a, state.confState());
        checker.checkApplied(1, List.of(a), state);
        assertThatCode(() -> checker.checkSnapshot(2, snapshotOf(state))).doesNotThrowAnyException();

        AppliedState forged = bootState();
        forged.apply(entry(2, 2, "forged"), forged.confState());
        assertThatThrownBy(() -> checker.checkSnapshot(3, snapshotOf(forged))).isInstanceOf(SafetyViolation.class);
    }

    @Test
    void appliedEntriesMustBeContiguous() {
        AppliedState state = bootState();
        assertThatThrownBy(() -> state.apply(entry(2, BOOT + 2, "gap"), state.confState()))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("contiguously");
    }

    @Test
    void aReadMustSeeEverythingCommittedBeforeItWasIssued() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        checker.checkCommitted(1, 2, diskWith(entry(2, 2, "a"), entry(2, 3, "b")), BOOT, 3);
        ByteString ctx = ByteString.copyFromUtf8("r1");
        checker.readIssued(ctx);
        assertThatCode(() -> checker.checkReadState(1, new ReadState(3, ctx))).doesNotThrowAnyException();
        assertThatThrownBy(() -> checker.checkReadState(2, new ReadState(2, ctx)))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("read safety");
    }

    @Test
    void aRestartMustLoadThePersistedHardState() {
        SafetyChecker checker = new SafetyChecker(BOOT);
        HardState persisted =
                HardState.newBuilder().setTerm(3).setVote(2).setCommit(7).build();
        assertThatCode(() -> checker.checkRestart(1, persisted, persisted)).doesNotThrowAnyException();
        assertThatThrownBy(() -> checker.checkRestart(
                        1, persisted, persisted.toBuilder().setCommit(5).build()))
                .isInstanceOf(SafetyViolation.class)
                .hasMessageContaining("durability");
    }

    private static AppliedState bootState() {
        return AppliedState.fromSnapshot(
                Bootstrap.storage(List.of(1L, 2L, 3L), List.of()).snapshot());
    }

    private static Snapshot snapshotOf(AppliedState state) {
        return Snapshot.newBuilder()
                .setData(state.snapshotData())
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(state.appliedIndex())
                        .setTerm(2)
                        .setConfState(ConfState.getDefaultInstance()))
                .build();
    }
}
