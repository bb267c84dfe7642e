package io.tinykv.scheduler;

import io.tinykv.proto.Metapb;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's periodic look at the cluster beyond single heartbeats: an offline store that no
 * region has a peer on any more becomes a tombstone (its replicas moved away first, one add-then-remove
 * at a time by the {@link ReplicaChecker}, so no region is ever under-replicated on the way), and
 * regions with fewer healthy replicas than {@code max-replicas} are logged with why they cannot be
 * repaired — when the set changes, and again every {@code repeatMillis} while it lasts. Called from
 * the scheduler's background thread only.
 */
public final class StoreLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(StoreLifecycle.class);
    /** How many regions one warning names; the status page lists them all. */
    private static final int REGIONS_PER_WARNING = 5;

    private final ClusterMeta cluster;
    private final Coordinator coordinator;
    private final long repeatMillis;
    private Map<Long, Integer> lastWarned = Map.of();
    private long lastWarnedAtMillis;

    public StoreLifecycle(ClusterMeta cluster, Coordinator coordinator, long repeatMillis) {
        this.cluster = cluster;
        this.coordinator = coordinator;
        this.repeatMillis = repeatMillis;
    }

    /** One look: buries drained offline stores, then warns about under-replicated regions. */
    public void check(long nowMillis) {
        buryDrainedStores(nowMillis);
        warnUnderReplicated(nowMillis);
    }

    /** Offline stores without any peer become tombstones; returns their ids. */
    public List<Long> buryDrainedStores(long nowMillis) {
        Map<Long, Integer> peers = cluster.regionCountsByStore();
        List<Long> buried = new ArrayList<>();
        for (StoreInfo s : cluster.stores()) {
            if (s.store().getState() == Metapb.StoreState.Offline && peers.getOrDefault(s.id(), 0) == 0) {
                cluster.setStoreState(s.id(), Metapb.StoreState.Tombstone, nowMillis);
                LOG.info(
                        "store {} at {} has no replicas left: it is a tombstone now; stop its process "
                                + "(tinykv ctl store remove-tombstone {} forgets it)",
                        s.id(),
                        s.store().getAddress(),
                        s.id());
                buried.add(s.id());
            }
        }
        return buried;
    }

    private void warnUnderReplicated(long nowMillis) {
        List<ReplicationHealth.UnderReplicated> under = coordinator.underReplicated(nowMillis);
        // A change is a region joining or leaving the list or its healthy count moving; a reason
        // alone changing (a repair starting) waits for the next repeat.
        Map<Long, Integer> now = new HashMap<>();
        for (ReplicationHealth.UnderReplicated u : under) {
            now.put(u.regionId(), u.healthy());
        }
        boolean changed = !now.equals(lastWarned);
        boolean due = !now.isEmpty() && nowMillis - lastWarnedAtMillis >= repeatMillis;
        if (!changed && !due) {
            return;
        }
        if (now.isEmpty()) {
            LOG.info("every region has its replicas again");
        } else {
            StringBuilder b = new StringBuilder();
            for (ReplicationHealth.UnderReplicated u : under.subList(0, Math.min(REGIONS_PER_WARNING, under.size()))) {
                b.append("\n  region ")
                        .append(u.regionId())
                        .append(": ")
                        .append(u.healthy())
                        .append(" of ")
                        .append(u.wanted())
                        .append(" replicas healthy; ")
                        .append(u.reason());
            }
            LOG.warn(
                    "{} region(s) have fewer replicas than max-replicas {}{}{}",
                    under.size(),
                    under.get(0).wanted(),
                    b,
                    under.size() > REGIONS_PER_WARNING ? "\n  ... (all on the status page)" : "");
        }
        lastWarned = now;
        lastWarnedAtMillis = nowMillis;
    }
}
