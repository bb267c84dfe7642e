package io.tinykv.bench.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.bench.testing.InMemoryTxnTarget;
import io.tinykv.bench.workload.KeyDistribution;
import io.tinykv.bench.workload.RecordKeys;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TwoKeyReadWriteTest {

    private static final int KEY_SIZE = 16;

    private static TwoKeyReadWrite op(KeyDistribution distribution, long records) {
        return new TwoKeyReadWrite(
                distribution.chooser(records, 0.99), RecordKeys.forRecords(KEY_SIZE, records), records);
    }

    @Test
    void readsTwoDistinctKeysThenWritesBothThenCommits() throws Exception {
        InMemoryTxnTarget target = InMemoryTxnTarget.instant();
        TwoKeyReadWrite op = op(KeyDistribution.UNIFORM, 1_000);
        byte[] first = new byte[32];
        byte[] second = new byte[32];

        TxnOutcome outcome = op.execute(target, new SplittableRandom(3), first, second);

        assertThat(outcome).isEqualTo(TxnOutcome.COMMITTED);
        List<String> log = target.sessions().getFirst();
        assertThat(log).hasSize(7);
        String a = log.get(1).substring("get ".length());
        String b = log.get(2).substring("get ".length());
        assertThat(a).isNotEqualTo(b);
        assertThat(log).containsExactly("begin", "get " + a, "get " + b, "put " + a, "put " + b, "commit", "close");
        assertThat(a).startsWith("t").hasSize(KEY_SIZE);
        assertThat(b).startsWith("t").hasSize(KEY_SIZE);
        // Both new values are in the store, under exactly the two keys.
        assertThat(target.data()).hasSize(2);
        assertThat(target.data().get(ByteBuffer.wrap(a.getBytes()))).isEqualTo(first);
        assertThat(target.data().get(ByteBuffer.wrap(b.getBytes()))).isEqualTo(second);
    }

    @Test
    void theTwoKeysDifferEvenWhenTheSkewMakesTheSameRecordLikely() throws Exception {
        InMemoryTxnTarget target = InMemoryTxnTarget.instant();
        TwoKeyReadWrite op = op(KeyDistribution.ZIPFIAN, 2);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            op.execute(target, random, new byte[4], new byte[4]);
        }
        assertThat(target.sessions())
                .hasSize(200)
                .allSatisfy(log -> assertThat(log.get(1)).isNotEqualTo(log.get(2)));
    }

    @Test
    void aConflictAtCommitIsReportedAsAnOutcomeAndWritesNothing() throws Exception {
        InMemoryTxnTarget target = new InMemoryTxnTarget(
                null, Duration.ZERO, attempt -> new InMemoryTxnTarget.Failure(TxnOutcome.CONFLICT));
        TxnOutcome outcome =
                op(KeyDistribution.UNIFORM, 100).execute(target, new SplittableRandom(1), new byte[8], new byte[8]);
        assertThat(outcome).isEqualTo(TxnOutcome.CONFLICT);
        assertThat(target.data()).isEmpty();
        assertThat(target.sessions().getFirst()).endsWith("commit", "close");
    }

    @Test
    void anErrorThatIsNoAbortPropagatesAndTheSessionIsStillClosed() {
        InMemoryTxnTarget target =
                new InMemoryTxnTarget(null, Duration.ZERO, attempt -> new InMemoryTxnTarget.Failure(null));
        TwoKeyReadWrite op = op(KeyDistribution.UNIFORM, 100);
        assertThatThrownBy(() -> op.execute(target, new SplittableRandom(1), new byte[8], new byte[8]))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("injected commit error");
        assertThat(target.sessions().getFirst()).endsWith("commit", "close");
    }

    @Test
    void oneRecordCannotMakeATwoKeyTransaction() {
        assertThatThrownBy(() -> op(KeyDistribution.UNIFORM, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 records");
    }

    @Test
    void anAbortCannotSayCommitted() {
        assertThatThrownBy(() -> new TxnAbortException(TxnOutcome.COMMITTED, "x", null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
