package io.tinykv.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Majority arithmetic: commit index and vote outcomes over voters. */
class QuorumTest {

    /** The committed index is held by a majority: sorted matches, element at n - majority. */
    @Test
    void committedIndex() {
        assertThat(Quorum.committedIndex(List.of())).isZero();
        assertThat(Quorum.committedIndex(List.of(5L))).isEqualTo(5);
        assertThat(Quorum.committedIndex(List.of(5L, 3L))).isEqualTo(3);
        assertThat(Quorum.committedIndex(List.of(5L, 3L, 4L))).isEqualTo(4);
        assertThat(Quorum.committedIndex(List.of(1L, 2L, 3L, 4L))).isEqualTo(2);
        assertThat(Quorum.committedIndex(List.of(9L, 9L, 1L, 1L, 1L))).isEqualTo(1);
        assertThat(Quorum.committedIndex(List.of(9L, 9L, 9L, 1L, 1L))).isEqualTo(9);
    }

    /** Property: a majority holds the committed index, and no larger index is held by a majority. */
    @Property(tries = 200)
    void committedIndexIsLargestMajorityIndex(@ForAll @Size(min = 1, max = 9) List<@IntRange(max = 50) Integer> raw) {
        List<Long> matches = raw.stream().map(Integer::longValue).toList();
        long c = Quorum.committedIndex(matches);
        int q = Quorum.majority(matches.size());
        assertThat(matches.stream().filter(m -> m >= c).count()).isGreaterThanOrEqualTo(q);
        assertThat(matches.stream().filter(m -> m >= c + 1).count()).isLessThan(q);
    }

    /** Vote outcomes: won with a majority of grants, lost once a majority is impossible, else pending. */
    @Test
    void voteResult() {
        List<Long> voters = List.of(1L, 2L, 3L);
        assertThat(Quorum.voteResult(voters, Map.of())).isEqualTo(Quorum.VoteResult.PENDING);
        assertThat(Quorum.voteResult(voters, Map.of(1L, true))).isEqualTo(Quorum.VoteResult.PENDING);
        assertThat(Quorum.voteResult(voters, Map.of(1L, true, 2L, true))).isEqualTo(Quorum.VoteResult.WON);
        assertThat(Quorum.voteResult(voters, Map.of(1L, true, 2L, false))).isEqualTo(Quorum.VoteResult.PENDING);
        assertThat(Quorum.voteResult(voters, Map.of(2L, false, 3L, false))).isEqualTo(Quorum.VoteResult.LOST);
        // Votes from non-voters (learners) do not count.
        assertThat(Quorum.voteResult(voters, Map.of(1L, true, 4L, true, 5L, true)))
                .isEqualTo(Quorum.VoteResult.PENDING);
        assertThat(Quorum.voteResult(List.of(), Map.of())).isEqualTo(Quorum.VoteResult.WON);
        assertThat(Quorum.majority(4)).isEqualTo(3);
    }

    /** Learners' match indexes are excluded from the commit computation of the tracker. */
    @Test
    void trackerExcludesLearners() {
        ProgressTracker t = new ProgressTracker(16);
        t.add(1, 10, 11, false);
        t.add(2, 0, 1, false);
        t.add(3, 10, 11, true);
        t.add(4, 10, 11, true);
        assertThat(t.committed()).isZero();
        assertThat(t.voterIds()).containsExactly(1L, 2L);
        assertThat(t.learnerIds()).containsExactly(3L, 4L);
        assertThat(t.isSingleton()).isFalse();
    }
}
