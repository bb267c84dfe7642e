package io.tinykv.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.HardState;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Storage contract at its boundaries, on the in-memory implementation. */
class MemoryStorageTest {

    static Entry ent(long index, long term) {
        return Entry.newBuilder().setIndex(index).setTerm(term).build();
    }

    /** Storage holding a dummy at 3 (term 3) and entries 4 (term 4), 5 (term 5). */
    private static MemoryStorage storage345() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(ent(1, 1), ent(2, 2), ent(3, 3), ent(4, 4), ent(5, 5)));
        s.compact(3);
        return s;
    }

    @Test
    void newStorageHasDummyEntryAtZero() {
        MemoryStorage s = new MemoryStorage();
        assertThat(s.firstIndex()).isEqualTo(1);
        assertThat(s.lastIndex()).isEqualTo(0);
        assertThat(s.term(0)).isZero();
        assertThat(s.entries(1, 1, Long.MAX_VALUE)).isEmpty();
        assertThatThrownBy(() -> s.term(1)).isInstanceOf(UnavailableException.class);
        assertThat(s.initialState().hardState()).isEqualTo(HardState.getDefaultInstance());
    }

    @Test
    void withVotersSetsInitialConfState() {
        MemoryStorage s = MemoryStorage.withVoters(1, 2, 3);
        assertThat(s.initialState().confState().getVotersList()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void termAtBoundaries() {
        MemoryStorage s = storage345();
        assertThatThrownBy(() -> s.term(2)).isInstanceOf(CompactedException.class);
        assertThat(s.term(3)).isEqualTo(3); // the dummy keeps the snapshot's term
        assertThat(s.term(4)).isEqualTo(4);
        assertThat(s.term(5)).isEqualTo(5);
        assertThatThrownBy(() -> s.term(6)).isInstanceOf(UnavailableException.class);
    }

    @Test
    void entriesAtBoundariesAndSizeLimit() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(ent(1, 1), ent(2, 2), ent(3, 3), ent(4, 4), ent(5, 5), ent(6, 6)));
        s.compact(3);
        assertThatThrownBy(() -> s.entries(2, 6, Long.MAX_VALUE)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> s.entries(3, 4, Long.MAX_VALUE)).isInstanceOf(CompactedException.class);
        assertThat(s.entries(4, 5, Long.MAX_VALUE)).containsExactly(ent(4, 4));
        assertThat(s.entries(4, 6, Long.MAX_VALUE)).containsExactly(ent(4, 4), ent(5, 5));
        assertThat(s.entries(4, 7, Long.MAX_VALUE)).containsExactly(ent(4, 4), ent(5, 5), ent(6, 6));
        assertThatThrownBy(() -> s.entries(4, 8, Long.MAX_VALUE)).isInstanceOf(UnavailableException.class);
        assertThatThrownBy(() -> s.entries(5, 4, Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
        // A limit of zero still returns one entry; the limit counts serialized bytes.
        assertThat(s.entries(4, 7, 0)).containsExactly(ent(4, 4));
        long two = ent(4, 4).getSerializedSize() + ent(5, 5).getSerializedSize();
        assertThat(s.entries(4, 7, two)).containsExactly(ent(4, 4), ent(5, 5));
        assertThat(s.entries(4, 7, two - 1)).containsExactly(ent(4, 4));
        assertThat(s.entries(4, 7, two + ent(6, 6).getSerializedSize())).hasSize(3);
    }

    @Test
    void firstAndLastIndex() {
        MemoryStorage s = storage345();
        assertThat(s.firstIndex()).isEqualTo(4);
        assertThat(s.lastIndex()).isEqualTo(5);
        s.append(List.of(ent(6, 5)));
        assertThat(s.lastIndex()).isEqualTo(6);
        s.compact(4);
        assertThat(s.firstIndex()).isEqualTo(5);
    }

    @Test
    void compactBoundaries() {
        MemoryStorage s = storage345();
        assertThatThrownBy(() -> s.compact(2)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> s.compact(3)).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> s.compact(6)).isInstanceOf(IllegalArgumentException.class);
        s.compact(5);
        assertThat(s.firstIndex()).isEqualTo(6);
        assertThat(s.lastIndex()).isEqualTo(5);
        assertThat(s.term(5)).isEqualTo(5);
    }

    @Test
    void createSnapshot() {
        MemoryStorage s = storage345();
        ConfState cs = ConfState.newBuilder().addVoters(1).addVoters(2).build();
        ByteString data = ByteString.copyFromUtf8("data");
        Snapshot snap = s.createSnapshot(4, cs, data);
        assertThat(snap.getMetadata().getIndex()).isEqualTo(4);
        assertThat(snap.getMetadata().getTerm()).isEqualTo(4);
        assertThat(snap.getMetadata().getConfState()).isEqualTo(cs);
        assertThat(snap.getData()).isEqualTo(data);
        assertThat(s.snapshot()).isEqualTo(snap);
        assertThatThrownBy(() -> s.createSnapshot(4, cs, data)).isInstanceOf(SnapshotOutOfDateException.class);
        assertThatThrownBy(() -> s.createSnapshot(9, cs, data)).isInstanceOf(IllegalArgumentException.class);
        // Entries stay until compacted.
        assertThat(s.firstIndex()).isEqualTo(4);
    }

    @Test
    void appendOverlapsTruncatesAndRejectsGaps() {
        // Same entries: nothing changes.
        MemoryStorage s = storage345();
        s.append(List.of(ent(3, 3), ent(4, 4), ent(5, 5)));
        assertThat(s.entries(4, 6, Long.MAX_VALUE)).containsExactly(ent(4, 4), ent(5, 5));
        // Conflict at 4: truncate the suffix and replace.
        s = storage345();
        s.append(List.of(ent(3, 3), ent(4, 6), ent(5, 6)));
        assertThat(s.entries(4, 6, Long.MAX_VALUE)).containsExactly(ent(4, 6), ent(5, 6));
        // Extends.
        s = storage345();
        s.append(List.of(ent(3, 3), ent(4, 4), ent(5, 5), ent(6, 5)));
        assertThat(s.lastIndex()).isEqualTo(6);
        // Entirely compacted: ignored.
        s = storage345();
        s.append(List.of(ent(2, 3), ent(3, 3)));
        assertThat(s.lastIndex()).isEqualTo(5);
        // Truncates the compacted prefix of the incoming entries.
        s = storage345();
        s.append(List.of(ent(2, 3), ent(3, 3), ent(4, 5)));
        assertThat(s.entries(4, 5, Long.MAX_VALUE)).containsExactly(ent(4, 5));
        assertThat(s.lastIndex()).isEqualTo(4);
        // Truncate at 5, keep 4.
        s = storage345();
        s.append(List.of(ent(5, 5)));
        assertThat(s.entries(4, 6, Long.MAX_VALUE)).containsExactly(ent(4, 4), ent(5, 5));
        s.append(List.of(ent(5, 6)));
        assertThat(s.entries(4, 6, Long.MAX_VALUE)).containsExactly(ent(4, 4), ent(5, 6));
        // Directly after the last index.
        s = storage345();
        s.append(List.of(ent(6, 5)));
        assertThat(s.lastIndex()).isEqualTo(6);
        // A gap is refused.
        MemoryStorage gap = storage345();
        assertThatThrownBy(() -> gap.append(List.of(ent(7, 5)))).isInstanceOf(IllegalArgumentException.class);
        assertThat(gap.lastIndex()).isEqualTo(5);
        // Non-contiguous input is refused without changing anything.
        assertThatThrownBy(() -> gap.append(List.of(ent(6, 5), ent(8, 5))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(gap.lastIndex()).isEqualTo(5);
    }

    @Test
    void applySnapshotReplacesLogAndRefusesOlder() {
        MemoryStorage s = new MemoryStorage();
        ConfState cs =
                ConfState.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
        Snapshot snap4 = Snapshot.newBuilder()
                .setData(ByteString.copyFromUtf8("d"))
                .setMetadata(
                        SnapshotMetadata.newBuilder().setIndex(4).setTerm(4).setConfState(cs))
                .build();
        s.applySnapshot(snap4);
        assertThat(s.firstIndex()).isEqualTo(5);
        assertThat(s.lastIndex()).isEqualTo(4);
        assertThat(s.term(4)).isEqualTo(4);
        assertThat(s.snapshot()).isEqualTo(snap4);
        assertThat(s.initialState().confState()).isEqualTo(cs);
        Snapshot snap3 = snap4.toBuilder()
                .setMetadata(snap4.getMetadata().toBuilder().setIndex(3).setTerm(3))
                .build();
        assertThatThrownBy(() -> s.applySnapshot(snap3)).isInstanceOf(SnapshotOutOfDateException.class);
        assertThatThrownBy(() -> s.applySnapshot(snap4)).isInstanceOf(SnapshotOutOfDateException.class);
    }

    @Test
    void hardStateRoundTrips() {
        MemoryStorage s = new MemoryStorage();
        HardState hs = HardState.newBuilder().setTerm(3).setVote(2).setCommit(0).build();
        s.setHardState(hs);
        assertThat(s.initialState().hardState()).isEqualTo(hs);
    }
}
