package io.tinykv.testkit.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.testkit.history.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemorySnapshotStoreTest {

    @Test
    void readsComeFromTheStartSnapshotAndOwnWrites() throws TxnFailedException {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnSession early = store.begin();
        TxnSession writer = store.begin();
        writer.append("x", 1);
        assertThat(writer.read("x")).containsExactly(1L);
        assertThat(writer.commit()).isEqualTo(Outcome.OK);

        assertThat(early.read("x")).isEmpty();
        assertThat(store.begin().read("x")).containsExactly(1L);
    }

    @Test
    void firstCommitterWins() throws TxnFailedException {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnSession first = store.begin();
        TxnSession second = store.begin();
        first.append("x", 1);
        second.append("x", 2);

        assertThat(first.commit()).isEqualTo(Outcome.OK);
        assertThat(second.commit()).isEqualTo(Outcome.FAIL);
        assertThat(store.begin().read("x")).containsExactly(1L);
    }

    @Test
    void disjointWritersBothCommit() throws TxnFailedException {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnSession first = store.begin();
        TxnSession second = store.begin();
        first.append("x", 1);
        second.append("y", 2);

        assertThat(first.commit()).isEqualTo(Outcome.OK);
        assertThat(second.commit()).isEqualTo(Outcome.OK);
    }

    @Test
    void abortedWritesVanishAndFinishedSessionsRefuseWork() throws TxnFailedException {
        InMemorySnapshotStore store = InMemorySnapshotStore.correct();
        TxnSession session = store.begin();
        session.write("x", List.of(5L));
        session.abort();

        assertThat(store.begin().read("x")).isEmpty();
        assertThatThrownBy(() -> session.read("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void flawsBreakWhatTheySay() throws TxnFailedException {
        InMemorySnapshotStore noConflicts = new InMemorySnapshotStore(StoreFlaw.NO_WRITE_CONFLICT_CHECK);
        TxnSession a = noConflicts.begin();
        TxnSession b = noConflicts.begin();
        a.append("x", 1);
        b.append("x", 2);
        assertThat(a.commit()).isEqualTo(Outcome.OK);
        assertThat(b.commit()).isEqualTo(Outcome.OK);
        assertThat(noConflicts.begin().read("x")).containsExactly(2L); // 1 was lost

        InMemorySnapshotStore dirty = new InMemorySnapshotStore(StoreFlaw.READ_UNCOMMITTED);
        TxnSession writer = dirty.begin();
        writer.append("x", 1);
        assertThat(dirty.begin().read("x")).containsExactly(1L);
        writer.abort();
        assertThat(dirty.begin().read("x")).isEmpty();

        InMemorySnapshotStore skewed = new InMemorySnapshotStore(StoreFlaw.NON_SNAPSHOT_READS);
        TxnSession reader = skewed.begin();
        TxnSession later = skewed.begin();
        later.append("x", 1);
        later.commit();
        assertThat(reader.read("x")).containsExactly(1L);
    }
}
