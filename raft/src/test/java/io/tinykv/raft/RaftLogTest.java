package io.tinykv.raft;

import static io.tinykv.raft.RaftTestUtil.ent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Eraftpb.ConfState;
import io.tinykv.proto.Eraftpb.Entry;
import io.tinykv.proto.Eraftpb.Snapshot;
import io.tinykv.proto.Eraftpb.SnapshotMetadata;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log over storage plus unstable entries: matching, conflicts, commit and slicing. */
class RaftLogTest {

    private static RaftLog logWith(List<Entry> stable) {
        MemoryStorage s = new MemoryStorage();
        s.append(stable);
        return new RaftLog(s);
    }

    private static Snapshot snap(long index, long term) {
        return Snapshot.newBuilder()
                .setMetadata(SnapshotMetadata.newBuilder()
                        .setIndex(index)
                        .setTerm(term)
                        .setConfState(ConfState.newBuilder().addVoters(1)))
                .build();
    }

    /** Log matching: the first entry whose term differs (or that is missing) is the conflict. */
    @Test
    void findConflict() {
        List<Entry> prev = List.of(ent(1, 1), ent(2, 2), ent(3, 3));
        record Case(List<Entry> ents, long want) {}
        List<Case> cases = List.of(
                new Case(List.of(), 0),
                new Case(List.of(ent(1, 1), ent(2, 2), ent(3, 3)), 0),
                new Case(List.of(ent(2, 2), ent(3, 3)), 0),
                new Case(List.of(ent(3, 3)), 0),
                new Case(List.of(ent(1, 1), ent(2, 2), ent(3, 3), ent(4, 4), ent(5, 4)), 4),
                new Case(List.of(ent(2, 2), ent(3, 3), ent(4, 4), ent(5, 4)), 4),
                new Case(List.of(ent(3, 3), ent(4, 4), ent(5, 4)), 4),
                new Case(List.of(ent(4, 4), ent(5, 4)), 4),
                new Case(List.of(ent(1, 4), ent(2, 4)), 1),
                new Case(List.of(ent(2, 1), ent(3, 4), ent(4, 4)), 2),
                new Case(List.of(ent(3, 1), ent(4, 2), ent(5, 4), ent(6, 4)), 3));
        for (Case c : cases) {
            RaftLog log = new RaftLog(new MemoryStorage());
            log.append(prev);
            assertThat(log.findConflict(c.ents)).as("case %s", c.ents).isEqualTo(c.want);
        }
    }

    /** The vote restriction's comparison: later last term wins, equal terms compare length. */
    @Test
    void isUpToDate() {
        RaftLog log = new RaftLog(new MemoryStorage());
        log.append(List.of(ent(1, 1), ent(2, 2), ent(3, 3)));
        assertThat(log.isUpToDate(2, 4)).isTrue();
        assertThat(log.isUpToDate(3, 4)).isTrue();
        assertThat(log.isUpToDate(4, 4)).isTrue();
        assertThat(log.isUpToDate(2, 2)).isFalse();
        assertThat(log.isUpToDate(3, 2)).isFalse();
        assertThat(log.isUpToDate(4, 2)).isFalse();
        assertThat(log.isUpToDate(2, 3)).isFalse();
        assertThat(log.isUpToDate(3, 3)).isTrue();
        assertThat(log.isUpToDate(4, 3)).isTrue();
    }

    /** Appending truncates a conflicting unstable/stable suffix, and never below the commit index. */
    @Test
    void appendTruncatesSuffix() {
        record Case(List<Entry> ents, long windex, List<Entry> wents, long wunstable) {}
        List<Case> cases = List.of(
                new Case(List.of(), 2, List.of(ent(1, 1), ent(2, 2)), 3),
                new Case(List.of(ent(3, 2)), 3, List.of(ent(1, 1), ent(2, 2), ent(3, 2)), 3),
                // conflicts with index 1
                new Case(List.of(ent(1, 2)), 1, List.of(ent(1, 2)), 1),
                // conflicts with index 2
                new Case(List.of(ent(2, 3), ent(3, 3)), 3, List.of(ent(1, 1), ent(2, 3), ent(3, 3)), 2));
        for (Case c : cases) {
            RaftLog log = logWith(List.of(ent(1, 1), ent(2, 2)));
            assertThat(log.append(c.ents)).isEqualTo(c.windex);
            assertThat(log.entries(1, Entries.NO_LIMIT)).as("case %s", c.ents).isEqualTo(c.wents);
            assertThat(log.unstable().offset()).isEqualTo(c.wunstable);
        }
        RaftLog log = logWith(List.of(ent(1, 1), ent(2, 2)));
        log.commitTo(2);
        assertThatThrownBy(() -> log.append(List.of(ent(2, 3)))).isInstanceOf(IllegalStateException.class);
    }

    /** maybeAppend: accepts on (index, term) match, commits up to min(leader commit, last new). */
    @Test
    void maybeAppend() {
        List<Entry> prev = List.of(ent(1, 1), ent(2, 2), ent(3, 3));
        long lastIndex = 3;
        long lastTerm = 3;
        long commit = 1;
        record Case(long logTerm, long index, long committed, List<Entry> ents, long wlasti, long wcommit) {}
        List<Case> cases = List.of(
                // not match: term is different / index out of bound
                new Case(lastTerm - 1, lastIndex, lastIndex, List.of(ent(lastIndex + 1, 4)), -1, commit),
                new Case(lastTerm, lastIndex + 1, lastIndex, List.of(ent(lastIndex + 2, 4)), -1, commit),
                // match with the last existing entry
                new Case(lastTerm, lastIndex, lastIndex, List.of(), lastIndex, lastIndex),
                new Case(lastTerm, lastIndex, lastIndex + 1, List.of(), lastIndex, lastIndex),
                new Case(lastTerm, lastIndex, lastIndex - 1, List.of(), lastIndex, lastIndex - 1),
                new Case(lastTerm, lastIndex, 0, List.of(), lastIndex, commit),
                new Case(0, 0, lastIndex, List.of(), 0, commit),
                new Case(lastTerm, lastIndex, lastIndex, List.of(ent(lastIndex + 1, 4)), lastIndex + 1, lastIndex),
                new Case(
                        lastTerm,
                        lastIndex,
                        lastIndex + 1,
                        List.of(ent(lastIndex + 1, 4)),
                        lastIndex + 1,
                        lastIndex + 1),
                new Case(
                        lastTerm,
                        lastIndex,
                        lastIndex + 2,
                        List.of(ent(lastIndex + 1, 4)),
                        lastIndex + 1,
                        lastIndex + 1),
                new Case(
                        lastTerm,
                        lastIndex,
                        lastIndex + 2,
                        List.of(ent(lastIndex + 1, 4), ent(lastIndex + 2, 4)),
                        lastIndex + 2,
                        lastIndex + 2),
                // match with an entry in the middle
                new Case(lastTerm - 1, lastIndex - 1, lastIndex, List.of(ent(lastIndex, 4)), lastIndex, lastIndex),
                new Case(
                        lastTerm - 2,
                        lastIndex - 2,
                        lastIndex,
                        List.of(ent(lastIndex - 1, 4)),
                        lastIndex - 1,
                        lastIndex - 1),
                new Case(
                        lastTerm - 2,
                        lastIndex - 2,
                        lastIndex,
                        List.of(ent(lastIndex - 1, 4), ent(lastIndex, 4)),
                        lastIndex,
                        lastIndex));
        for (Case c : cases) {
            RaftLog log = new RaftLog(new MemoryStorage());
            log.append(prev);
            log.commitTo(commit);
            long got = log.maybeAppend(c.index, c.logTerm, c.committed, c.ents);
            assertThat(got).as("case %s", c).isEqualTo(c.wlasti);
            assertThat(log.committed()).as("case %s", c).isEqualTo(c.wcommit);
            if (got >= 0 && !c.ents.isEmpty()) {
                assertThat(log.slice(log.lastIndex() - c.ents.size() + 1, log.lastIndex() + 1, Entries.NO_LIMIT))
                        .isEqualTo(c.ents);
            }
        }
        // Conflicting with a committed entry is a safety violation: refused loudly.
        RaftLog log = new RaftLog(new MemoryStorage());
        log.append(prev);
        log.commitTo(commit);
        assertThatThrownBy(() -> log.maybeAppend(0, 0, 3, List.of(ent(1, 4))))
                .isInstanceOf(IllegalStateException.class);
    }

    /** Committed-but-unapplied entries, starting after the applied index (or the snapshot). */
    @Test
    void nextEntriesAfterApplied() {
        MemoryStorage s = new MemoryStorage();
        s.applySnapshot(snap(3, 1));
        RaftLog log = new RaftLog(s);
        log.append(List.of(ent(4, 1), ent(5, 1), ent(6, 1)));
        log.commitTo(5);
        log.appliedTo(3);
        for (long[] c : new long[][] {{0, 4, 5}, {3, 4, 5}, {4, 5, 5}, {5, -1, -1}}) {
            RaftLog l = new RaftLog(s);
            l.append(List.of(ent(4, 1), ent(5, 1), ent(6, 1)));
            l.commitTo(5);
            l.appliedTo(c[0]);
            List<Entry> next = l.nextEntries(Entries.NO_LIMIT);
            if (c[1] < 0) {
                assertThat(next).isEmpty();
                assertThat(l.hasNextEntries()).isFalse();
            } else {
                assertThat(next.get(0).getIndex()).isEqualTo(c[1]);
                assertThat(next.get(next.size() - 1).getIndex()).isEqualTo(c[2]);
                assertThat(l.hasNextEntries()).isTrue();
            }
        }
    }

    /** The commit index never decreases and never passes the last index. */
    @Test
    void commitTo() {
        RaftLog log = new RaftLog(new MemoryStorage());
        log.append(List.of(ent(1, 1), ent(2, 2), ent(3, 3)));
        log.commitTo(3);
        log.commitTo(1);
        assertThat(log.committed()).isEqualTo(3);
        assertThatThrownBy(() -> log.commitTo(4)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.appliedTo(4)).isInstanceOf(IllegalStateException.class);
        log.appliedTo(2);
        assertThatThrownBy(() -> log.appliedTo(1)).isInstanceOf(IllegalStateException.class);
    }

    /** Stable-to moves entries out of unstable only when the persisted (index, term) still matches. */
    @Test
    void stableTo() {
        RaftLog log = new RaftLog(new MemoryStorage());
        log.append(List.of(ent(1, 1), ent(2, 2)));
        log.stableTo(1, 1);
        assertThat(log.unstableEntries()).containsExactly(ent(2, 2));
        log.stableTo(2, 1); // wrong term: stale
        assertThat(log.unstableEntries()).containsExactly(ent(2, 2));
        log.stableTo(3, 1); // beyond: ignored
        assertThat(log.unstableEntries()).containsExactly(ent(2, 2));
        log.stableTo(2, 2);
        assertThat(log.unstableEntries()).isEmpty();
    }

    /** Terms across a compaction: 0 outside [first-1, last], Compacted for compacted storage entries. */
    @Test
    void termAcrossCompaction() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(ent(1, 1), ent(2, 2), ent(3, 3), ent(4, 4), ent(5, 5)));
        RaftLog log = new RaftLog(s);
        s.compact(3);
        // After the log was created, the storage compacted underneath it.
        RaftLog fresh = new RaftLog(s);
        assertThat(fresh.firstIndex()).isEqualTo(4);
        assertThat(fresh.term(2)).isZero();
        assertThat(fresh.term(3)).isEqualTo(3);
        assertThat(fresh.term(5)).isEqualTo(5);
        assertThat(fresh.term(6)).isZero();
        assertThat(log.matchTerm(2, 2)).isFalse();
        assertThatThrownBy(() -> fresh.slice(2, 5, Entries.NO_LIMIT)).isInstanceOf(CompactedException.class);
        assertThat(fresh.slice(4, 6, Entries.NO_LIMIT)).containsExactly(ent(4, 4), ent(5, 5));
    }

    /** Slices span storage and unstable entries, respect the size limit, and check bounds. */
    @Test
    void sliceAcrossStableAndUnstable() {
        MemoryStorage s = new MemoryStorage();
        s.append(List.of(ent(1, 1), ent(2, 1), ent(3, 1)));
        RaftLog log = new RaftLog(s);
        log.append(List.of(ent(4, 2), ent(5, 2)));
        assertThat(log.slice(2, 6, Entries.NO_LIMIT)).containsExactly(ent(2, 1), ent(3, 1), ent(4, 2), ent(5, 2));
        assertThat(log.slice(4, 6, Entries.NO_LIMIT)).containsExactly(ent(4, 2), ent(5, 2));
        assertThat(log.slice(3, 3, Entries.NO_LIMIT)).isEmpty();
        long two = ent(2, 1).getSerializedSize() + ent(3, 1).getSerializedSize();
        assertThat(log.slice(2, 6, two)).containsExactly(ent(2, 1), ent(3, 1));
        assertThat(log.slice(2, 6, two + ent(4, 2).getSerializedSize()))
                .containsExactly(ent(2, 1), ent(3, 1), ent(4, 2));
        assertThat(log.slice(2, 6, 0)).containsExactly(ent(2, 1));
        assertThatThrownBy(() -> log.slice(2, 7, Entries.NO_LIMIT)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> log.slice(4, 3, Entries.NO_LIMIT)).isInstanceOf(IllegalStateException.class);
    }

    /** Restoring a snapshot resets the log: commit at the snapshot, unstable after it. */
    @Test
    void restoreSnapshot() {
        RaftLog log = new RaftLog(new MemoryStorage());
        log.append(List.of(ent(1, 1)));
        log.restore(snap(10, 3));
        assertThat(log.committed()).isEqualTo(10);
        assertThat(log.firstIndex()).isEqualTo(11);
        assertThat(log.lastIndex()).isEqualTo(10);
        assertThat(log.term(10)).isEqualTo(3);
        assertThat(log.unstable().offset()).isEqualTo(11);
        assertThat(log.hasPendingSnapshot()).isTrue();
        log.append(List.of(ent(11, 3)));
        assertThat(log.lastIndex()).isEqualTo(11);
        log.stableSnapTo(10);
        assertThat(log.hasPendingSnapshot()).isFalse();
    }

    /** The fast back-off search: largest index at or below the probe whose term is at most the given term. */
    @Test
    void findConflictByTerm() {
        RaftLog log = new RaftLog(new MemoryStorage());
        log.append(RaftTestUtil.entsOfTerms(1, 1, 2, 2, 4, 4));
        assertThat(log.findConflictByTerm(6, 4)).containsExactly(6, 4);
        assertThat(log.findConflictByTerm(6, 3)).containsExactly(4, 2);
        assertThat(log.findConflictByTerm(6, 1)).containsExactly(2, 1);
        assertThat(log.findConflictByTerm(6, 0)).containsExactly(0, 0);
        assertThat(log.findConflictByTerm(3, 5)).containsExactly(3, 2);
    }

    /** Unstable bookkeeping: terms of the pending snapshot, truncation inside the unstable part. */
    @Test
    void unstableTruncateAndTerms() {
        Unstable u = new Unstable(5);
        u.truncateAndAppend(List.of(ent(5, 1), ent(6, 1), ent(7, 1)));
        u.truncateAndAppend(List.of(ent(6, 2)));
        assertThat(u.entries()).containsExactly(ent(5, 1), ent(6, 2));
        u.truncateAndAppend(List.of(ent(4, 3)));
        assertThat(u.offset()).isEqualTo(4);
        assertThat(u.entries()).containsExactly(ent(4, 3));
        assertThat(u.maybeTerm(3)).isEqualTo(Unstable.NONE);
        u.restore(snap(9, 4));
        assertThat(u.maybeTerm(9)).isEqualTo(4);
        assertThat(u.maybeFirstIndex()).isEqualTo(10);
        assertThat(u.maybeLastIndex()).isEqualTo(9);
        assertThatThrownBy(() -> u.slice(9, 11)).isInstanceOf(IllegalStateException.class);
    }
}
