package io.tinykv.raftstore.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import io.tinykv.proto.Metapb;
import io.tinykv.proto.RaftServerpb.RaftApplyState;
import io.tinykv.raft.CompactedException;
import io.tinykv.raft.MemoryStorage;
import io.tinykv.raft.Ready;
import io.tinykv.raft.UnavailableException;
import io.tinykv.raftstore.TestEngines;
import io.tinykv.storage.Cf;
import io.tinykv.storage.EngineWriteBatch;
import io.tinykv.storage.Engines;
import io.tinykv.storage.Keys;
import io.tinykv.storage.StorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeerStorageTest {

    private static final long REGION_ID = 1;
    private static final long NO_LIMIT = Long.MAX_VALUE;
    private static final Metapb.Region REGION = TestEngines.region(REGION_ID, 1, 1, 2, 2, 3, 3);

    @TempDir
    Path dir;

    private static Entry entry(long index, long term) {
        return Entry.newBuilder()
                .setIndex(index)
                .setTerm(term)
                .setData(ByteString.copyFromUtf8("e" + index + "t" + term))
                .build();
    }

    private static List<Entry> entries(long from, long to, long term) {
        List<Entry> result = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            result.add(entry(i, term));
        }
        return result;
    }

    private static Ready readyWith(List<Entry> entries, HardState hs) {
        return new Ready(null, hs, List.of(), entries, null, List.of(), List.of());
    }

    private static void persist(Engines engines, PeerStorage storage, List<Entry> entries, HardState hs) {
        try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
            storage.saveReady(readyWith(entries, hs), wb);
            engines.raft().write(wb, true);
        }
    }

    private static HardState hardState(long term, long commit) {
        return HardState.newBuilder().setTerm(term).setVote(1).setCommit(commit).build();
    }

    @Test
    void bootstrappedRegionStartsAtTheInitialIndexAndTerm() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);

            assertThat(storage.firstIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX + 1);
            assertThat(storage.lastIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(storage.term(PeerStorage.RAFT_INIT_LOG_INDEX)).isEqualTo(PeerStorage.RAFT_INIT_LOG_TERM);
            assertThat(storage.appliedIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(storage.initialState().hardState().getTerm()).isEqualTo(PeerStorage.RAFT_INIT_LOG_TERM);
            assertThat(storage.initialState().hardState().getCommit()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
            assertThat(storage.initialState().confState().getVotersList()).containsExactly(1L, 2L, 3L);
            assertThat(storage.entries(6, 6, NO_LIMIT)).isEmpty();
            assertThatThrownBy(() -> storage.term(4)).isInstanceOf(CompactedException.class);
            assertThatThrownBy(() -> storage.term(6)).isInstanceOf(UnavailableException.class);
            assertThatThrownBy(() -> storage.entries(5, 6, NO_LIMIT)).isInstanceOf(CompactedException.class);
            assertThatThrownBy(() -> storage.entries(6, 7, NO_LIMIT)).isInstanceOf(UnavailableException.class);
            assertThatThrownBy(() -> PeerStorage.writeBootstrapState(engines, REGION))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already has state");
        }
    }

    @Test
    void peerWithoutMembershipStartsFromAnEmptyLog() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage storage = PeerStorage.open(
                    engines, Metapb.Region.newBuilder().setId(7).build(), Runnable::run);
            assertThat(storage.firstIndex()).isEqualTo(1);
            assertThat(storage.lastIndex()).isZero();
            assertThat(storage.term(0)).isZero();
            assertThat(storage.initialState().confState().getVotersList()).isEmpty();
        }
    }

    @Test
    void appendedEntriesReadBackWithAByteLimitThatStillReturnsOneEntry() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            persist(engines, storage, entries(6, 10, 6), hardState(6, 8));

            assertThat(storage.lastIndex()).isEqualTo(10);
            assertThat(storage.entries(6, 11, NO_LIMIT)).isEqualTo(entries(6, 10, 6));
            assertThat(storage.entries(7, 9, NO_LIMIT)).isEqualTo(entries(7, 8, 6));
            long oneSize = entry(6, 6).getSerializedSize();
            assertThat(storage.entries(6, 11, 0)).containsExactly(entry(6, 6));
            assertThat(storage.entries(6, 11, 2 * oneSize + 1)).isEqualTo(entries(6, 7, 6));
            assertThat(storage.term(9)).isEqualTo(6);
            assertThat(storage.raftState().getHardState()).isEqualTo(hardState(6, 8));
        }
    }

    @Test
    void appendingOverAConflictingSuffixDeletesTheRestOfTheOldLog() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            persist(engines, storage, entries(6, 10, 6), null);
            persist(engines, storage, entries(8, 9, 7), null);

            assertThat(storage.lastIndex()).isEqualTo(9);
            assertThat(storage.term(9)).isEqualTo(7);
            assertThat(storage.term(7)).isEqualTo(6);
            assertThat(storage.entries(6, 10, NO_LIMIT))
                    .containsExactly(entry(6, 6), entry(7, 6), entry(8, 7), entry(9, 7));
            assertThat(engines.raft().get(Cf.DEFAULT, Keys.raftLogKey(REGION_ID, 10)))
                    .isNull();
        }
    }

    @Test
    void appendLeavingAHoleIsRefused() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
                assertThatThrownBy(() -> storage.saveReady(readyWith(entries(8, 9, 6), null), wb))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("hole");
                assertThatThrownBy(() -> storage.saveReady(readyWith(entries(5, 6, 6), null), wb))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("truncated");
            }
            assertThat(storage.lastIndex()).isEqualTo(5);
        }
    }

    @Test
    void restartRecoversLogHardStateAndApplyState() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            persist(engines, storage, entries(6, 12, 6), hardState(6, 11));
        }
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            assertThat(storage.lastIndex()).isEqualTo(12);
            assertThat(storage.term(12)).isEqualTo(6);
            assertThat(storage.firstIndex()).isEqualTo(6);
            assertThat(storage.initialState().hardState()).isEqualTo(hardState(6, 11));
            assertThat(storage.entries(6, 13, NO_LIMIT)).isEqualTo(entries(6, 12, 6));
            assertThat(storage.appliedIndex()).isEqualTo(PeerStorage.RAFT_INIT_LOG_INDEX);
        }
    }

    /**
     * etcd's MustSync rule: a hard state whose only change is the commit index is written unsynced,
     * so a crash may take it back while the kv engine kept the applies it allowed. The restarted
     * peer's commit index is then its applied index (whatever was applied was committed).
     */
    @Test
    void restartRecoversTheCommitIndexFromTheAppliedIndex() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            // Entries and a commit index of 7 synced; the commit index 11 that followed was lost.
            persist(engines, storage, entries(6, 12, 6), hardState(6, 7));
            RaftApplyState applied =
                    storage.applyState().toBuilder().setAppliedIndex(10).build();
            try (EngineWriteBatch kvWb = engines.kv().newWriteBatch()) {
                engines.kv().write(kvWb.put(Cf.DEFAULT, Keys.applyStateKey(REGION_ID), applied), true);
            }
        }
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            assertThat(storage.appliedIndex()).isEqualTo(10);
            assertThat(storage.initialState().hardState())
                    .as("commit recovered as max(persisted commit, applied)")
                    .isEqualTo(hardState(6, 10));
        }
    }

    @Test
    void aMissingEntryIsReportedAsCorruptionNamingTheIndex() {
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            persist(engines, storage, entries(6, 10, 6), null);
            try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
                wb.delete(Cf.DEFAULT, Keys.raftLogKey(REGION_ID, 8));
                engines.raft().write(wb, true);
            }
            // Read from the engine, as after a restart (the running peer's entry cache still holds it).
            PeerStorage restarted = PeerStorage.open(engines, REGION, Runnable::run);
            assertThatThrownBy(() -> restarted.entries(6, 11, NO_LIMIT))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("entry 8 is missing");
            assertThatThrownBy(() -> restarted.term(8))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("entry 8 is missing");
            // The last entry gone: the engines contradict the raft state, refuse to open.
            try (EngineWriteBatch wb = engines.raft().newWriteBatch()) {
                wb.delete(Cf.DEFAULT, Keys.raftLogKey(REGION_ID, 10));
                engines.raft().write(wb, true);
            }
            assertThatThrownBy(() -> PeerStorage.open(engines, REGION, Runnable::run))
                    .isInstanceOf(StorageException.class)
                    .hasMessageContaining("entry 10 is missing");
        }
    }

    /** Random appends with conflicts, checked against raft's MemoryStorage as the model. */
    @Test
    void randomAppendsAgreeWithMemoryStorage() {
        Random random = new Random(20261126);
        try (Engines engines = TestEngines.open(dir)) {
            PeerStorage.writeBootstrapState(engines, REGION);
            PeerStorage storage = PeerStorage.open(engines, REGION, Runnable::run);
            MemoryStorage model = new MemoryStorage();
            model.applySnapshot(Snapshot.newBuilder()
                    .setMetadata(SnapshotMetadata.newBuilder()
                            .setIndex(PeerStorage.RAFT_INIT_LOG_INDEX)
                            .setTerm(PeerStorage.RAFT_INIT_LOG_TERM))
                    .build());
            long term = PeerStorage.RAFT_INIT_LOG_TERM;
            for (int round = 0; round < 200; round++) {
                long first =
                        storage.firstIndex() + random.nextInt((int) (storage.lastIndex() - storage.firstIndex() + 2));
                term += random.nextInt(2);
                List<Entry> batch = entries(first, first + random.nextInt(5), term);
                persist(engines, storage, batch, null);
                model.append(batch);

                assertThat(storage.lastIndex()).isEqualTo(model.lastIndex());
                assertThat(storage.firstIndex()).isEqualTo(model.firstIndex());
                long lo = storage.firstIndex() + random.nextInt((int) (storage.lastIndex() - storage.firstIndex() + 1));
                long limit = random.nextInt(200);
                assertThat(storage.entries(lo, storage.lastIndex() + 1, limit))
                        .isEqualTo(model.entries(lo, model.lastIndex() + 1, limit));
                for (long i = storage.firstIndex() - 1; i <= storage.lastIndex(); i++) {
                    assertThat(storage.term(i)).as("term of %d", i).isEqualTo(model.term(i));
                }
            }
            assertThat(PeerStorage.open(engines, REGION, Runnable::run)
                            .entries(storage.firstIndex(), storage.lastIndex() + 1, NO_LIMIT))
                    .isEqualTo(model.entries(model.firstIndex(), model.lastIndex() + 1, NO_LIMIT));
        }
    }
}
