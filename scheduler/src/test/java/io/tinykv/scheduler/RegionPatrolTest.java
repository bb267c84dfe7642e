package io.tinykv.scheduler;

import static io.tinykv.scheduler.Fixtures.epoch;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tinykv.proto.Metapb;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica checker's patrol looks at a batch of regions per scheduling round, in key order,
 * resuming where the last round stopped and starting over after the last region: every region is
 * looked at within ceil(N / batch) rounds, never more than a batch in one. Rounds are driven by hand.
 */
class RegionPatrolTest {

    private static final long START_MILLIS = 1_700_000_000_000L;
    private static final int REGIONS = 10;
    private static final int BATCH = 3;

    @TempDir
    Path dir;

    private final long now = START_MILLIS;
    private SchedulerConfig config;
    private MetaStore meta;
    private ClusterMeta cluster;

    @BeforeEach
    void setUp() {
        // Balancing off: every operator a round creates is the replica checker's.
        config = SchedulerConfig.defaults(dir.resolve("meta"))
                .withSchedule(ScheduleConfig.defaults()
                        .withBalanceInterval(Duration.ZERO)
                        .withPatrolRegionBatch(BATCH));
        meta = MetaStore.open(config.dataDir());
        cluster = ClusterMeta.load(
                meta,
                now,
                new SplittableRandom(5),
                config.storeDisconnectTime().toMillis(),
                config.maxStoreDownTime().toMillis());
        cluster.bootstrap(
                Fixtures.store(1), Fixtures.region(1, "", "", epoch(1, 2), new long[] {11}, new long[] {1}), now);
        Fixtures.storesUp(cluster, 3, now);
    }

    @AfterEach
    void tearDown() {
        meta.close();
    }

    /**
     * Regions 1..n cut the key space at "k01", "k02", ...: region i is [k(i-1), k(i)), the first
     * starting at "" and the last reaching the end. Recorded as heard from, none of them checked (as
     * when their heartbeats came before the other stores joined).
     */
    private void splitInto(int n) {
        for (int i = 1; i <= n; i++) {
            String start = i == 1 ? "" : String.format("k%02d", i - 1);
            String end = i == n ? "" : String.format("k%02d", i);
            Metapb.Region r = Fixtures.region(i, start, end, epoch(1, 3), new long[] {i * 10L + 1}, new long[] {1});
            cluster.regionHeartbeat(Fixtures.info(r, r.getPeers(0)));
        }
    }

    private static List<Long> ids(List<RegionInfo> regions) {
        return regions.stream().map(RegionInfo::id).toList();
    }

    @Test
    void stepsWalkTheRegionsInKeyOrderABatchAtATimeAndStartOver() {
        splitInto(REGIONS);
        RegionPatrol patrol = new RegionPatrol(cluster, BATCH);

        assertThat(ids(patrol.next())).containsExactly(1L, 2L, 3L);
        assertThat(ids(patrol.next())).containsExactly(4L, 5L, 6L);
        assertThat(ids(patrol.next())).containsExactly(7L, 8L, 9L);
        assertThat(ids(patrol.next()))
                .as("the last region ends a pass, short of a batch")
                .containsExactly(10L);
        assertThat(ids(patrol.next())).as("and the next pass starts over").containsExactly(1L, 2L, 3L);
    }

    @Test
    void aBatchLargerThanTheClusterLooksAtEachRegionOncePerStep() {
        splitInto(2);
        RegionPatrol patrol = new RegionPatrol(cluster, BATCH);

        assertThat(ids(patrol.next())).containsExactly(1L, 2L);
        assertThat(ids(patrol.next())).containsExactly(1L, 2L);
    }

    @Test
    void aCursorPastEveryRegionStartsOverAtOnce() {
        // Regions 1..3 cover ["", "k03"); nothing is heard of beyond yet.
        for (int i = 1; i <= 3; i++) {
            Metapb.Region r = Fixtures.region(
                    i,
                    i == 1 ? "" : String.format("k%02d", i - 1),
                    String.format("k%02d", i),
                    epoch(1, 3),
                    new long[] {i * 10L + 1},
                    new long[] {1});
            cluster.regionHeartbeat(Fixtures.info(r, r.getPeers(0)));
        }
        RegionPatrol patrol = new RegionPatrol(cluster, BATCH);

        assertThat(ids(patrol.next())).containsExactly(1L, 2L, 3L);
        assertThat(ids(patrol.next())).as("no round spent on nothing").containsExactly(1L, 2L, 3L);
    }

    @Test
    void regionsSplitAheadOfTheCursorAreLookedAtInThisPass() {
        splitInto(REGIONS);
        RegionPatrol patrol = new RegionPatrol(cluster, BATCH);
        assertThat(ids(patrol.next())).containsExactly(1L, 2L, 3L);

        // Region 5 [k04, k05) splits at k045 into 5 and 11.
        cluster.regionHeartbeat(Fixtures.info(
                Fixtures.region(5, "k04", "k045", epoch(1, 4), new long[] {51}, new long[] {1}), Fixtures.peer(51, 1)));
        cluster.regionHeartbeat(Fixtures.info(
                Fixtures.region(11, "k045", "k05", epoch(1, 4), new long[] {111}, new long[] {1}),
                Fixtures.peer(111, 1)));

        assertThat(ids(patrol.next())).containsExactly(4L, 5L, 11L);
        assertThat(ids(patrol.next())).containsExactly(6L, 7L, 8L);
        assertThat(ids(patrol.next())).containsExactly(9L, 10L);
    }

    /**
     * Through the coordinator: ten regions short of replicas, none heartbeating, a batch of three.
     * Each round adds replicas to at most three of them, and within ceil(10 / 3) = 4 rounds every
     * region has its operator.
     */
    @Test
    void everyRegionGetsItsReplicasWithinCeilOfRegionsOverBatchRoundsAndNoRoundChecksMoreThanABatch() {
        splitInto(REGIONS);
        Coordinator coordinator = new Coordinator(
                cluster,
                new IdAllocator(new Fixtures.MemoryLong(), 1_000),
                config,
                new SchedulerMetrics(new PrometheusRegistry(), cluster),
                new SchedulerPauses(() -> now));
        int rounds = (REGIONS + BATCH - 1) / BATCH;

        Set<Long> repaired = new HashSet<>();
        List<List<Long>> perRound = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            List<Long> created = coordinator.schedule(now + round).stream()
                    .map(Operator::regionId)
                    .toList();
            perRound.add(created);
            assertThat(created).as("round %d looks at one batch only", round).hasSizeLessThanOrEqualTo(BATCH);
            assertThat(created).as("a region is repaired once").allMatch(repaired::add);
        }
        assertThat(repaired)
                .as("per round: %s", perRound)
                .containsExactlyInAnyOrderElementsOf(
                        LongStream.rangeClosed(1, REGIONS).boxed().toList());
        assertThat(coordinator.schedule(now + rounds + 1))
                .as("every region has its operator")
                .isEmpty();
    }
}
