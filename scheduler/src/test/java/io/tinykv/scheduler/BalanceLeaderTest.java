package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Pdpb;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The balance-leader scheduler against stores that obey at once, on virtual time. */
class BalanceLeaderTest {

    private static final int MAX_ROUNDS = 100;

    @TempDir
    Path dir;

    private ObedientCluster sim;

    @AfterEach
    void tearDown() {
        if (sim != null) {
            sim.close();
        }
    }

    private ObedientCluster start(ScheduleConfig schedule, int stores) {
        sim = new ObedientCluster(dir, 3, schedule, stores);
        return sim;
    }

    @Test
    void threeStoresTwelveRegionsLeadersEndWithinOneOfFourPerStore() {
        start(ScheduleConfig.defaults(), 3);
        sim.addRegions(12, 1_000, 1, 1, 2, 3);
        sim.heartbeatAll();
        assertThat(sim.leadersByStore()).isEqualTo(Map.of(1L, 12, 2L, 0, 3L, 0));

        sim.settle(MAX_ROUNDS);

        assertThat(sim.leadersByStore().values()).allSatisfy(n -> assertThat(n).isBetween(3, 5));
        // With a tolerance of one the counts end equal, in the fewest moves: 12-4 = 8 transfers.
        assertThat(sim.leadersByStore()).isEqualTo(Map.of(1L, 4, 2L, 4, 3L, 4));
        assertThat(sim.createdKinds).hasSize(8).containsOnly(BalanceLeaderScheduler.KIND);
        // No replica moved: with three stores each already holds every region.
        assertThat(sim.peersByStore()).isEqualTo(Map.of(1L, 12, 2L, 12, 3L, 12));
    }

    @Test
    void aClusterWithinTheToleranceStaysStill() {
        start(ScheduleConfig.defaults(), 3);
        // 5, 4, 4 leaders: moving one would only make another store the busiest.
        sim.addRegions(5, 1_000, 1, 1, 2, 3);
        sim.addRegions(4, 1_000, 2, 1, 2, 3);
        sim.addRegions(4, 1_000, 3, 1, 2, 3);
        sim.heartbeatAll();
        for (int i = 0; i < 20; i++) {
            sim.advance(Duration.ofSeconds(1));
            assertThat(sim.coordinator.schedule(sim.now)).isEmpty();
            assertThat(sim.heartbeatAll()).isZero();
        }
        assertThat(sim.leadersByStore()).isEqualTo(Map.of(1L, 5, 2L, 4, 3L, 4));
    }

    @Test
    void aWiderToleranceStopsEarlier() {
        start(ScheduleConfig.defaults().withLeaderTolerance(3), 3);
        sim.addRegions(12, 1_000, 1, 1, 2, 3);
        sim.heartbeatAll();
        sim.settle(MAX_ROUNDS);
        Map<Long, Integer> leaders = sim.leadersByStore();
        int max = leaders.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int min = leaders.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(3);
        assertThat(sim.createdKinds.size()).isLessThan(8);
    }

    @Test
    void noStoreHasMoreOperatorsInFlightThanTheLimit() {
        start(ScheduleConfig.defaults().withLimits(2, 2), 3);
        sim.addRegions(12, 1_000, 1, 1, 2, 3);
        sim.heartbeatAll();
        // Rounds without heartbeats: nothing finishes, so the limit caps what is created.
        for (int i = 0; i < 10; i++) {
            sim.coordinator.schedule(sim.now);
        }
        List<Operator> inFlight = inFlight(12);
        // Store 1 is the source of every transfer: two at most, whatever the targets.
        assertThat(inFlight).hasSize(2);
        // Once they finish, the next ones come.
        sim.heartbeatAll();
        sim.heartbeatAll();
        assertThat(inFlight(12)).isEmpty();
        assertThat(sim.coordinator.schedule(sim.now)).hasSize(1);
    }

    @Test
    void leadersGoOnlyToUpStoresAndSkipRegionsWithPendingPeers() {
        start(ScheduleConfig.defaults(), 3);
        sim.addRegions(6, 1_000, 1, 1, 2, 3);
        // Region 1's peer on store 2 is catching up: it neither leads nor lets the region move.
        sim.lagging.add(11L);
        sim.heartbeatAll();
        // Store 3 falls silent long enough to count as disconnected: it gets no leaders.
        sim.silence(3);
        sim.advance(ObedientCluster.DISCONNECT.plusSeconds(1));
        sim.settle(MAX_ROUNDS);
        assertThat(sim.leadersByStore().get(3L)).isZero();
        assertThat(sim.leader(1).getStoreId()).isEqualTo(1);
        // 6 leaders between stores 1 and 2, region 1 pinned to store 1: 3 and 3.
        assertThat(sim.leadersByStore()).containsEntry(1L, 3).containsEntry(2L, 3);
    }

    @Test
    void aTransferThatNeverHappensTimesOutInSecondsAndItsRegionRestsWhileOthersMove() {
        // One balance-leader operator per store at a time: a stuck one blocks its store entirely.
        start(ScheduleConfig.defaults().withLimits(1, 2), 3);
        sim.addRegions(6, 1_000, 1, 1, 2, 3);
        sim.heartbeatAll();
        sim.ignoringTransfers.add(1L);
        List<Operator> first = sim.coordinator.schedule(sim.now);
        assertThat(first)
                .singleElement()
                .satisfies(op -> assertThat(op.regionId()).isEqualTo(1));
        long createdAt = sim.now;
        // Region 1's transfer does not happen; until the leader-operator timeout nothing else moves.
        Duration leaderTimeout = SchedulerConfig.DEFAULT_LEADER_OPERATOR_TIMEOUT;
        while (sim.now - createdAt < leaderTimeout.toMillis() - 1_000) {
            sim.advance(Duration.ofSeconds(1));
            assertThat(sim.coordinator.schedule(sim.now)).isEmpty();
            sim.heartbeatAll();
        }
        assertThat(sim.leadersByStore()).containsEntry(1L, 6);
        sim.advance(Duration.ofSeconds(1));
        sim.heartbeatAll();
        assertThat(sim.coordinator.operatorReport(1).orElseThrow().status()).isEqualTo(Pdpb.OperatorStatus.TIMEOUT);
        // Within a minute, far sooner than the peer-moving timeout (minutes), the other regions balance
        // around region 1 (which is tried again after each rest, and times out again).
        for (int round = 0; round < 60; round++) {
            sim.advance(Duration.ofSeconds(1));
            sim.coordinator.schedule(sim.now);
            sim.heartbeatAll();
        }
        assertThat(sim.now - createdAt).isLessThan(SchedulerConfig.DEFAULT_OPERATOR_TIMEOUT.toMillis());
        assertThat(sim.leader(1).getStoreId()).isEqualTo(1);
        assertThat(sim.leadersByStore()).isEqualTo(Map.of(1L, 2, 2L, 2, 3L, 2));
    }

    @Test
    void aPausedSchedulerWaitsOutItsPause() {
        start(ScheduleConfig.defaults(), 3);
        sim.addRegions(12, 1_000, 1, 1, 2, 3);
        sim.heartbeatAll();
        sim.pauses.pause(SchedulerPauses.BALANCE_LEADER, Duration.ofSeconds(30));
        for (int i = 0; i < 29; i++) {
            sim.advance(Duration.ofSeconds(1));
            assertThat(sim.coordinator.schedule(sim.now)).isEmpty();
        }
        sim.advance(Duration.ofSeconds(1));
        assertThat(sim.coordinator.schedule(sim.now))
                .extracting(Operator::kind)
                .containsExactly(BalanceLeaderScheduler.KIND);
    }

    private List<Operator> inFlight(int regions) {
        return LongStream.rangeClosed(1, regions)
                .mapToObj(id -> sim.coordinator.operator(id))
                .flatMap(Optional::stream)
                .toList();
    }
}
