package io.tinykv.raft;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

/** Majority arithmetic over a set of voters. Learners are never passed in: they do not count. */
final class Quorum {
    /** Outcome of counting votes (or acks) so far. */
    enum VoteResult {
        /** Still undecided: enough voters have not answered to go either way. */
        PENDING,
        LOST,
        WON
    }

    private Quorum() {}

    /** The smallest number of voters that is a majority of {@code voterCount}. */
    static int majority(int voterCount) {
        return voterCount / 2 + 1;
    }

    /**
     * The highest index replicated on a majority: the median-ish of the voters' match indexes.
     * Returns 0 for an empty voter set, so nothing is ever committed by nobody.
     */
    static long committedIndex(Collection<Long> voterMatches) {
        int n = voterMatches.size();
        if (n == 0) {
            return 0;
        }
        long[] m = new long[n];
        int i = 0;
        for (long v : voterMatches) {
            m[i++] = v;
        }
        Arrays.sort(m);
        // Sorted ascending, the element at n - majority is held by a majority (itself and above).
        return m[n - majority(n)];
    }

    /**
     * The result of a vote among {@code voters}, given who answered yes (true) or no (false). An
     * empty voter set wins, as there is nobody to disagree.
     */
    static VoteResult voteResult(Collection<Long> voters, Map<Long, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.WON;
        }
        int granted = 0;
        int missing = 0;
        for (long id : voters) {
            Boolean v = votes.get(id);
            if (v == null) {
                missing++;
            } else if (v) {
                granted++;
            }
        }
        int q = majority(voters.size());
        if (granted >= q) {
            return VoteResult.WON;
        }
        if (granted + missing >= q) {
            return VoteResult.PENDING;
        }
        return VoteResult.LOST;
    }
}
