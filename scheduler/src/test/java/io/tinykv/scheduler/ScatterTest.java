package io.tinykv.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.tinykv.proto.Metapb;
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

/** Scatter (PD's ScatterRegion) and the operator reports GetOperator answers from. */
class ScatterTest {

    private static final int MAX_ROUNDS = 200;
    private static final long REGION_BYTES = 1_000;
    /** Balancing off, so that only scatter moves anything. */
    private static final ScheduleConfig SCATTER_ONLY = ScheduleConfig.defaults().withBalanceInterval(Duration.ZERO);

    @TempDir
    Path dir;

    private ObedientCluster sim;

    @AfterEach
    void tearDown() {
        if (sim != null) {
            sim.close();
        }
    }

    /** The split hook: held to the region-schedule limit. */
    private void scatterAll(int regions) {
        sim.coordinator.scatterNewRegions(
                LongStream.rangeClosed(1, regions).boxed().toList(), sim.now);
    }

    /** ScatterRegion one by one, as TiSession.splitRegionAndScatter does: not held to limits. */
    private void scatterEachExplicitly(int regions) {
        for (long id = 1; id <= regions; id++) {
            sim.coordinator.scatterRegion(id, sim.now);
        }
    }

    @Test
    void scatteredRegionsSpreadReplicasAndLeadersEvenly() {
        sim = new ObedientCluster(dir, 3, SCATTER_ONLY, 6);
        // Twelve regions as a split leaves them: all on stores 1-3, all led from store 1.
        sim.addRegions(12, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();

        scatterEachExplicitly(12);
        sim.settle(MAX_ROUNDS);

        // 36 replicas over 6 stores: 6 each; 12 leaders: 2 each.
        assertThat(sim.peersByStore()).isEqualTo(Map.of(1L, 6, 2L, 6, 3L, 6, 4L, 6, 5L, 6, 6L, 6));
        assertThat(sim.leadersByStore()).isEqualTo(Map.of(1L, 2, 2L, 2, 3L, 2, 4L, 2, 5L, 2, 6L, 2));
        assertThat(sim.fewestPeersSeen()).isGreaterThanOrEqualTo(3);
        // A region already where scatter places it gets no operator (region 1, scattered first,
        // stays put); every operator there was ended in success.
        assertThat(sim.coordinator.operatorReport(1)).isEmpty();
        List<OperatorController.Report> reports = LongStream.rangeClosed(1, 12)
                .mapToObj(id -> sim.coordinator.operatorReport(id))
                .flatMap(Optional::stream)
                .toList();
        assertThat(reports).hasSizeGreaterThanOrEqualTo(6).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(Pdpb.OperatorStatus.SUCCESS);
            assertThat(r.operator().desc()).isEqualTo("scatter-region");
        });
    }

    @Test
    void splitScatterMovesReplicasOnlyWithinTheRegionLimitAndElseOnlyTheLeader() {
        sim = new ObedientCluster(dir, 3, SCATTER_ONLY.withLimits(4, 1), 6);
        sim.addRegions(12, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();

        scatterAll(12);
        sim.notePeerMovesInFlight();

        List<Operator> running = LongStream.rangeClosed(1, 12)
                .mapToObj(id -> sim.coordinator.operator(id))
                .flatMap(Optional::stream)
                .toList();
        // One replica-moving scatter per store at a time; the others only spread their leaders.
        assertThat(sim.mostPeerMovesOnOneStore).isEqualTo(1);
        assertThat(running).anyMatch(Operator::movesPeers).anyMatch(op -> !op.movesPeers());
        sim.settle(MAX_ROUNDS);
        assertThat(sim.leadersByStore().get(1L)).isLessThan(12);
        assertThat(sim.fewestPeersSeen()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void withAsManyStoresAsReplicasOnlyLeadersMoveAndBalanceLeaderThenStaysStill() {
        sim = new ObedientCluster(dir, 3, ScheduleConfig.defaults(), 3);
        sim.addRegions(12, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();
        scatterAll(12);
        sim.settle(MAX_ROUNDS);
        assertThat(sim.leadersByStore()).isEqualTo(Map.of(1L, 4, 2L, 4, 3L, 4));
        assertThat(sim.peersByStore()).isEqualTo(Map.of(1L, 12, 2L, 12, 3L, 12));
        // Scatter left nothing for balance-leader to do.
        assertThat(sim.createdKinds).isEmpty();
    }

    @Test
    void aRegionNotYetHeardOfIsScatteredOnItsFirstHeartbeat() {
        sim = new ObedientCluster(dir, 3, SCATTER_ONLY, 3);
        sim.addRegions(1, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();
        // The first scatter keeps region 1 where it is (nothing scattered before it)...
        assertThat(sim.coordinator.scatterRegion(1, sim.now)).isEmpty();
        // ...region 2, asked for before the scheduler heard of it, is scattered on its first heartbeat.
        assertThat(sim.coordinator.scatterRegion(2, sim.now)).isEmpty();
        sim.addRegions(1, REGION_BYTES, 1, 1, 2, 3);
        Pdpb.RegionHeartbeatResponse first = sim.heartbeat(2).orElseThrow();
        assertThat(first.getTransferLeader().getPeer().getStoreId()).isNotEqualTo(1);
        assertThat(sim.coordinator.operator(2))
                .hasValueSatisfying(op -> assertThat(op.kind()).isEqualTo(RegionScatterer.KIND));
    }

    @Test
    void scatteringTwiceKeepsTheRunningScatterAndSplitScatterCanBeTurnedOff() {
        sim = new ObedientCluster(dir, 3, SCATTER_ONLY.withScatterSplitRegions(false), 6);
        sim.addRegions(2, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();
        // scatter-split-regions off: the split hook does nothing...
        scatterAll(2);
        assertThat(sim.coordinator.operator(1)).isEmpty();
        assertThat(sim.coordinator.operator(2)).isEmpty();
        // ...but an explicit ScatterRegion still works, and asking again changes nothing.
        sim.coordinator.scatterRegion(1, sim.now);
        Operator second = sim.coordinator.scatterRegion(2, sim.now).orElseThrow();
        sim.advance(Duration.ofSeconds(1));
        assertThat(sim.coordinator.scatterRegion(2, sim.now)).containsSame(second);
        assertThat(sim.coordinator.operatorReport(2).orElseThrow().status()).isEqualTo(Pdpb.OperatorStatus.RUNNING);
    }

    @Test
    void operatorReportsSayHowEachOperatorEnded() {
        sim = new ObedientCluster(dir, 3, ScheduleConfig.defaults(), 3);
        sim.addRegions(4, REGION_BYTES, 1, 1, 2, 3);
        sim.heartbeatAll();
        assertThat(sim.coordinator.operatorReport(1)).isEmpty();

        // Region 1: a balance-leader transfer runs, then succeeds.
        Operator transfer = sim.coordinator.balanceLeaders(sim.now).orElseThrow();
        assertThat(transfer.regionId()).isEqualTo(1);
        assertThat(status(1)).isEqualTo(Pdpb.OperatorStatus.RUNNING);
        sim.heartbeatAll();
        sim.heartbeatAll();
        assertThat(status(1)).isEqualTo(Pdpb.OperatorStatus.SUCCESS);
        assertThat(sim.coordinator.operatorReport(1).orElseThrow().operator().desc())
                .isEqualTo("balance-leader");

        // Region 2: the next transfer is cancelled when the region's epoch moves on without it.
        Operator cancelled = sim.coordinator.balanceLeaders(sim.now).orElseThrow();
        assertThat(cancelled.regionId()).isEqualTo(2);
        Metapb.Region split = sim.region(2).toBuilder()
                .setRegionEpoch(sim.region(2).getRegionEpoch().toBuilder()
                        .setVersion(sim.region(2).getRegionEpoch().getVersion() + 1))
                .build();
        sim.coordinator.regionHeartbeat(
                Pdpb.RegionHeartbeatRequest.newBuilder()
                        .setRegion(split)
                        .setLeader(sim.leader(2))
                        .build(),
                sim.now);
        assertThat(status(2)).isEqualTo(Pdpb.OperatorStatus.CANCEL);

        // Region 3: a transfer that is never carried out times out, noticed by a scheduling round
        // even without a heartbeat of the region.
        sim.pauses.pause(SchedulerPauses.BALANCE_LEADER, Duration.ofDays(1));
        // (Region 4's scatter keeps its leader on store 1, so region 3's leader goes elsewhere.)
        assertThat(sim.coordinator.scatterRegion(4, sim.now)).isEmpty();
        Operator scatter = sim.coordinator.scatterRegion(3, sim.now).orElseThrow();
        sim.advance(SchedulerConfig.DEFAULT_OPERATOR_TIMEOUT);
        sim.coordinator.schedule(sim.now);
        assertThat(sim.coordinator.operatorReport(3).orElseThrow())
                .isEqualTo(new OperatorController.Report(scatter, Pdpb.OperatorStatus.TIMEOUT));
    }

    @Test
    void aScatterReplacesAnotherOperatorWhichEndsAsReplaced() {
        OperatorController controller = new OperatorController(
                Duration.ofMinutes(1).toMillis(), Duration.ofSeconds(10).toMillis());
        Metapb.Region r = Fixtures.region(1, "", "", Fixtures.epoch(1, 1), new long[] {11, 12}, new long[] {1, 2});
        RegionInfo region = Fixtures.info(r, r.getPeers(0));
        Operator balance = new Operator(
                1,
                BalanceLeaderScheduler.KIND,
                List.of(new OperatorStep.TransferLeader(r.getPeers(1))),
                0,
                r.getRegionEpoch(),
                "test",
                0);
        Operator scatter = new Operator(
                1,
                RegionScatterer.KIND,
                List.of(new OperatorStep.TransferLeader(r.getPeers(1))),
                0,
                r.getRegionEpoch(),
                "test",
                0);
        controller.add(balance);
        assertThat(controller.replace(scatter)).containsSame(balance);
        assertThat(controller.lastEnded(1))
                .hasValue(new OperatorController.Report(balance, Pdpb.OperatorStatus.REPLACE));
        assertThat(controller.report(1)).hasValue(new OperatorController.Report(scatter, Pdpb.OperatorStatus.RUNNING));
        RegionInfo transferred = Fixtures.info(r, r.getPeers(1));
        assertThat(controller.onHeartbeat(region, 1).event()).isEqualTo(OperatorController.Event.SEND);
        assertThat(controller.onHeartbeat(transferred, 2).event()).isEqualTo(OperatorController.Event.FINISHED);
        assertThat(controller.report(1)).hasValue(new OperatorController.Report(scatter, Pdpb.OperatorStatus.SUCCESS));
    }

    private Pdpb.OperatorStatus status(long regionId) {
        Optional<OperatorController.Report> report = sim.coordinator.operatorReport(regionId);
        return report.orElseThrow().status();
    }
}
