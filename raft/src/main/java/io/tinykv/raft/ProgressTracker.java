package io.tinykv.raft;

import io.tinykv.proto.Eraftpb.ConfState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The membership (voters and learners, each with a {@link Progress}) and the votes of the current
 * election. Iteration is in id order, so behaviour is deterministic.
 */
final class ProgressTracker {
    private final int maxInflight;
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final Map<Long, Boolean> votes = new HashMap<>();

    ProgressTracker(int maxInflight) {
        this.maxInflight = maxInflight;
    }

    int maxInflight() {
        return maxInflight;
    }

    /** Every member, voters and learners, by id. */
    SortedMap<Long, Progress> progress() {
        return progress;
    }

    Progress get(long id) {
        return progress.get(id);
    }

    boolean contains(long id) {
        return progress.containsKey(id);
    }

    boolean isVoter(long id) {
        Progress pr = progress.get(id);
        return pr != null && !pr.isLearner();
    }

    /** Adds a member with fresh progress; {@code next} is where the leader starts probing. */
    void add(long id, long match, long next, boolean learner) {
        progress.put(id, new Progress(match, next, maxInflight, learner));
    }

    void remove(long id) {
        progress.remove(id);
        votes.remove(id);
    }

    List<Long> voterIds() {
        List<Long> ids = new ArrayList<>();
        progress.forEach((id, pr) -> {
            if (!pr.isLearner()) {
                ids.add(id);
            }
        });
        return ids;
    }

    List<Long> learnerIds() {
        List<Long> ids = new ArrayList<>();
        progress.forEach((id, pr) -> {
            if (pr.isLearner()) {
                ids.add(id);
            }
        });
        return ids;
    }

    ConfState confState() {
        return ConfState.newBuilder()
                .addAllVoters(voterIds())
                .addAllLearners(learnerIds())
                .build();
    }

    /** Exactly one voter: that node alone is a quorum. */
    boolean isSingleton() {
        return voterIds().size() == 1;
    }

    /** The highest index a majority of voters has replicated. */
    long committed() {
        List<Long> matches = new ArrayList<>();
        progress.forEach((id, pr) -> {
            if (!pr.isLearner()) {
                matches.add(pr.match());
            }
        });
        return Quorum.committedIndex(matches);
    }

    /** Whether a quorum of voters was recently active (check-quorum). */
    boolean quorumActive() {
        Map<Long, Boolean> active = new HashMap<>();
        progress.forEach((id, pr) -> {
            if (!pr.isLearner()) {
                active.put(id, pr.recentActive());
            }
        });
        return Quorum.voteResult(voterIds(), active) == Quorum.VoteResult.WON;
    }

    void resetVotes() {
        votes.clear();
    }

    /** Records {@code id}'s vote unless it already voted in this election (first answer counts). */
    void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    Quorum.VoteResult tallyVotes() {
        return Quorum.voteResult(voterIds(), votes);
    }

    int grantedVotes() {
        int n = 0;
        for (long id : voterIds()) {
            if (Boolean.TRUE.equals(votes.get(id))) {
                n++;
            }
        }
        return n;
    }

    int rejectedVotes() {
        int n = 0;
        for (long id : voterIds()) {
            if (Boolean.FALSE.equals(votes.get(id))) {
                n++;
            }
        }
        return n;
    }

    /** Outcome for a set of acknowledgements (e.g. ReadIndex heartbeat acks). */
    Quorum.VoteResult ackResult(Map<Long, Boolean> acks) {
        return Quorum.voteResult(voterIds(), acks);
    }
}
