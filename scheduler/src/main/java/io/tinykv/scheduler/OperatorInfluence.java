package io.tinykv.scheduler;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * What the operators in flight will change once they finish, per store: leaders gained or lost, and
 * bytes of region data gained or lost. The balance schedulers count it in, since heartbeats show a
 * change only after it happened; without it, a round that runs before the last move shows up would
 * make the same move again and overshoot.
 *
 * @param leaders leaders each store will gain (negative: lose)
 * @param bytes approximate region bytes each store will gain (negative: lose)
 */
record OperatorInfluence(Map<Long, Integer> leaders, Map<Long, Long> bytes) {

    /** The influence of the steps of {@code operators} that their region does not show applied yet. */
    static OperatorInfluence of(List<Operator> operators, LongFunction<Optional<RegionInfo>> regions) {
        Map<Long, Integer> leaders = new HashMap<>();
        Map<Long, Long> bytes = new HashMap<>();
        for (Operator op : operators) {
            Optional<RegionInfo> found = regions.apply(op.regionId());
            if (found.isEmpty()) {
                continue;
            }
            RegionInfo region = found.get();
            long leaderStore = region.leader() == null ? 0 : region.leader().getStoreId();
            for (OperatorStep step :
                    op.steps().subList(op.stepIndex(), op.steps().size())) {
                if (step.isApplied(region)) {
                    continue;
                }
                switch (step) {
                    case OperatorStep.AddLearner a ->
                        bytes.merge(a.peer().getStoreId(), region.approximateSizeBytes(), Long::sum);
                    case OperatorStep.PromoteLearner p -> {}
                    case OperatorStep.RemovePeer r ->
                        bytes.merge(r.peer().getStoreId(), -region.approximateSizeBytes(), Long::sum);
                    case OperatorStep.TransferLeader t -> {
                        if (leaderStore != 0 && leaderStore != t.target().getStoreId()) {
                            leaders.merge(leaderStore, -1, Integer::sum);
                            leaders.merge(t.target().getStoreId(), 1, Integer::sum);
                            leaderStore = t.target().getStoreId();
                        }
                    }
                    case OperatorStep.SplitRegion s -> {}
                }
            }
        }
        return new OperatorInfluence(leaders, bytes);
    }
}
