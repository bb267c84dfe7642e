package io.tinykv.raft.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.raft.StateRole;
import io.tinykv.raft.sim.SimNode;
import org.junit.jupiter.api.Test;

/** The benchmark's workload, run once in the ordinary test suite so it cannot rot unnoticed. */
class InMemoryGroupTest {
    @Test
    void proposalsCommitAndEveryNodeAppliesTheSameHistory() {
        InMemoryGroup group = InMemoryGroup.withLeader(ProposalThroughputBenchmark.GROUP_SIZE);
        assertThat(group.leader().role()).isEqualTo(StateRole.LEADER);
        long start = group.leader().applied().appliedIndex();
        var payload = ProposalThroughputBenchmark.payload(ProposalThroughputBenchmark.ENTRY_BYTES);

        assertThat(group.proposeAndCommit(payload, 1)).isEqualTo(start + 1);
        assertThat(group.proposeAndCommit(payload, ProposalThroughputBenchmark.BATCH_SIZE))
                .isEqualTo(start + 1 + ProposalThroughputBenchmark.BATCH_SIZE);

        group.runUntilQuiet();
        long applied = group.leader().applied().appliedIndex();
        long digest = group.leader().applied().digest();
        for (SimNode node : group.nodes()) {
            assertThat(node.applied().appliedIndex())
                    .as("node %d applied", node.id())
                    .isEqualTo(applied);
            assertThat(node.applied().digest()).as("node %d history", node.id()).isEqualTo(digest);
        }
    }

    @Test
    void logsAreCompactedSoLongRunsStayBounded() {
        InMemoryGroup group = InMemoryGroup.withLeader(ProposalThroughputBenchmark.GROUP_SIZE);
        var payload = ProposalThroughputBenchmark.payload(16);
        long rounds = InMemoryGroup.COMPACT_EVERY_ENTRIES / ProposalThroughputBenchmark.BATCH_SIZE + 1;
        for (long i = 0; i < rounds; i++) {
            group.proposeAndCommit(payload, ProposalThroughputBenchmark.BATCH_SIZE);
        }
        assertThat(group.leader().disk().firstIndex())
                .as("leader's first index after compaction")
                .isGreaterThan(1000);
    }
}
