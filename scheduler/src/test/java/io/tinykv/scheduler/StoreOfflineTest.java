package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tinykv.proto.Metapb;
import io.tinykv.scheduler.dashboard.ClusterOps;
import io.tinykv.scheduler.dashboard.Refusal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking a store offline, on stores that do at once what the scheduler asks ({@link ObedientCluster},
 * virtual time): every replica moves away one add-then-remove at a time, no region ever has fewer
 * than max-replicas peers on the way, and the empty store becomes a tombstone. The operations'
 * preconditions refuse with the reason.
 */
class StoreOfflineTest {

    private static final int REGIONS = 12;
    private static final long REGION_BYTES = 1 << 20;
    private static final int MAX_ROUNDS = 500;

    @TempDir
    Path dir;

    private ObedientCluster sim;
    private final AtomicLong peerIds = new AtomicLong(90_000);

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    private ClusterOps ops() {
        return new ClusterOps(
                sim.cluster, sim.coordinator, peerIds::incrementAndGet, sim.pauses, sim.maxReplicas, () -> sim.now);
    }

    private StoreLifecycle lifecycle() {
        return new StoreLifecycle(
                sim.cluster, sim.coordinator, Duration.ofMinutes(1).toMillis());
    }

    private Metapb.StoreState state(long storeId) {
        return sim.cluster.store(storeId).orElseThrow().store().getState();
    }

    @Test
    void anOfflineStoreIsDrainedWithoutUnderReplicationThenBecomesATombstone() {
        sim = new ObedientCluster(dir, 3, ScheduleConfig.defaults(), 4);
        sim.addRegions(REGIONS, REGION_BYTES, 1, 1, 2, 3);
        sim.settle(MAX_ROUNDS);
        long drained = sim.peersByStore().entrySet().stream()
                .max(java.util.Map.Entry.comparingByValue())
                .orElseThrow()
                .getKey();
        assertThat(sim.peersByStore().get(drained)).isPositive();

        assertThat(ops().storeOffline(drained).message()).contains("is offline");
        assertThat(state(drained)).isEqualTo(Metapb.StoreState.Offline);
        StoreLifecycle lifecycle = lifecycle();
        for (int round = 0; round < MAX_ROUNDS && state(drained) != Metapb.StoreState.Tombstone; round++) {
            sim.settle(MAX_ROUNDS);
            lifecycle.check(sim.now);
        }

        assertThat(state(drained)).isEqualTo(Metapb.StoreState.Tombstone);
        assertThat(sim.peersByStore().getOrDefault(drained, 0)).isZero();
        assertThat(sim.regions().values())
                .allSatisfy(r -> assertThat(r.getPeersCount()).isEqualTo(3));
        assertThat(sim.fewestPeersSeen())
                .as("no region lost a replica on the way")
                .isGreaterThanOrEqualTo(3);
        assertThat(sim.coordinator.underReplicated(sim.now)).isEmpty();

        assertThatThrownBy(() -> ops().storeUp(drained))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("tombstone and cannot come back");
        assertThat(ops().removeTombstone(drained).message()).contains("removed");
        assertThat(sim.cluster.store(drained)).isEmpty();
    }

    @Test
    void aStoreGoesOfflineOnlyWhenTheOthersCanHoldEveryReplicaAndCanComeBackBeforeItIsEmpty() {
        sim = new ObedientCluster(dir, 3, ScheduleConfig.defaults(), 4);
        sim.addRegions(REGIONS, REGION_BYTES, 1, 1, 2, 3);
        sim.settle(MAX_ROUNDS);

        ops().storeOffline(4);
        assertThatThrownBy(() -> ops().storeOffline(3))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("would leave 2 store(s) up [1, 2] for max-replicas 3");
        assertThat(ops().storeUp(4).message()).contains("is up again");
        assertThat(state(4)).isEqualTo(Metapb.StoreState.Up);
        assertThatThrownBy(() -> ops().removeTombstone(4))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("not a tombstone");
    }

    @Test
    void regionOperationsCheckTheirPreconditions() {
        sim = new ObedientCluster(dir, 3, ScheduleConfig.defaults(), 4);
        sim.addRegions(1, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();
        ClusterOps ops = ops();

        assertThatThrownBy(() -> ops.transferLeader(1, 1)).hasMessageContaining("already leads");
        assertThatThrownBy(() -> ops.transferLeader(1, 4)).hasMessageContaining("has no peer on store 4");
        assertThatThrownBy(() -> ops.removePeer(1, 2)).hasMessageContaining("under-replicated");
        assertThatThrownBy(() -> ops.transferLeader(99, 2))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("region 99 not found");

        ops.transferLeader(1, 2);
        assertThatThrownBy(() -> ops.addPeer(1, 4)).hasMessageContaining("already has an operator");
        sim.heartbeatAll(); // the leader gets the transfer and carries it out
        sim.heartbeatAll(); // the scheduler sees it done
        assertThat(sim.leader(1).getStoreId()).isEqualTo(2);
        assertThat(sim.coordinator.operator(1)).isEmpty();

        assertThat(ops.addPeer(1, 4).message()).contains("replica checker removes one");
        Operator add = sim.coordinator.operator(1).orElseThrow();
        assertThat(add.steps()).extracting(OperatorStep::kind).containsExactly("add_learner", "promote_learner");
        long learnerId = ((OperatorStep.AddLearner) add.steps().get(0)).peer().getId();
        sim.lagging.add(learnerId);
        sim.heartbeatAll(); // the learner is added
        sim.heartbeatAll(); // the scheduler sees it, still catching up: not promoted
        assertThat(roleOnStore(1, 4)).isEqualTo(Metapb.PeerRole.Learner);
        assertThatThrownBy(() -> ops.transferLeader(1, 4)).hasMessageContaining("is a learner");
        sim.lagging.remove(learnerId);
        sim.heartbeatAll(); // caught up: promoted
        assertThat(roleOnStore(1, 4)).isEqualTo(Metapb.PeerRole.Voter);
        // Then back to max-replicas: one of the four goes, never below three.
        sim.settle(MAX_ROUNDS);
        assertThat(sim.region(1).getPeersCount()).isEqualTo(3);
    }

    private Metapb.PeerRole roleOnStore(long regionId, long storeId) {
        return sim.region(regionId).getPeersList().stream()
                .filter(p -> p.getStoreId() == storeId)
                .findFirst()
                .orElseThrow()
                .getRole();
    }
}
