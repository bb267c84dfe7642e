package io.tinykv.client.pd;

import static io.tinykv.client.FakeCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.FakePd;
import io.tinykv.client.PdException;
import io.tinykv.client.region.RegionInfo;
import io.tinykv.proto.Metapb;
import io.tinykv.testkit.wait.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PdClientTest {
    /** Generous: only a broken client comes near it. */
    private static final Duration CONDITION_DEADLINE = Duration.ofSeconds(60);

    private static final long BUDGET_MS = 1_000;

    private final FakeClock clock = new FakeClock();
    private final FakeCluster cluster = FakeCluster.threeRegions();
    private FakeEnv env;
    private PdClient pd;

    private PdClient connect(List<String> addresses) {
        return PdClient.connect(ClientConfig.of(addresses).withBackoffBudgetMs(BUDGET_MS), env.channelFactory(), clock);
    }

    @AfterEach
    void tearDown() {
        if (pd != null) {
            pd.close();
        }
        if (env != null) {
            env.close();
        }
    }

    @Test
    void findsTheLeaderThroughAnyMember() {
        env = new FakeEnv(cluster, 3);
        String leader = env.pdAddresses().get(2);
        env.makePdLeader(leader);

        pd = connect(List.of(env.pdAddresses().get(0)));

        assertThat(pd.leaderAddress()).isEqualTo(leader);
        assertThat(pd.clusterId()).isEqualTo(FakePd.CLUSTER_ID);
        assertThat(pd.getRegion(utf8("h")).orElseThrow().id()).isEqualTo(2);
        assertThat(env.pd(leader).calls("GetRegion")).isEqualTo(1);
    }

    @Test
    void looksUpRegionsAndStores() {
        env = new FakeEnv(cluster);
        pd = connect(env.pdAddresses());

        RegionInfo first = pd.getRegion(ByteString.EMPTY).orElseThrow();
        assertThat(first.id()).isEqualTo(1);
        assertThat(first.endKey()).isEqualTo(utf8("g"));
        assertThat(first.leader().getStoreId()).isEqualTo(1);
        assertThat(pd.getRegion(utf8("zzz")).orElseThrow().id()).isEqualTo(3);
        assertThat(pd.getRegionById(2).orElseThrow().startKey()).isEqualTo(utf8("g"));
        assertThat(pd.getRegionById(99)).isEmpty();
        assertThat(pd.scanRegions(utf8("h"), ByteString.EMPTY, 0))
                .extracting(RegionInfo::id)
                .containsExactly(2L, 3L);
        assertThat(pd.scanRegions(ByteString.EMPTY, ByteString.EMPTY, 2))
                .extracting(RegionInfo::id)
                .containsExactly(1L, 2L);
        assertThat(pd.getStore(3).getAddress()).isEqualTo(env.storeAddress(3, 0));
        assertThat(pd.getAllStores(true)).extracting(Metapb.Store::getId).containsExactly(1L, 2L, 3L);
    }

    @Test
    void headerErrorBecomesPdException() {
        env = new FakeEnv(cluster);
        pd = connect(env.pdAddresses());

        assertThatThrownBy(() -> pd.getStore(42))
                .isInstanceOf(PdException.class)
                .hasMessageContaining("GetStore failed")
                .hasMessageContaining("invalid store ID 42");
    }

    @Test
    void timestampsAreComposedFromPhysicalAndLogical() {
        env = new FakeEnv(cluster);
        pd = connect(env.pdAddresses());

        long first = pd.getTimestamp();
        long second = pd.getTimestamp();

        long logicalMask = (1L << PdClient.LOGICAL_BITS) - 1;
        assertThat(second & logicalMask).isEqualTo((first & logicalMask) + 1);
        assertThat(second >>> PdClient.LOGICAL_BITS).isEqualTo(first >>> PdClient.LOGICAL_BITS);
        assertThat(first >>> PdClient.LOGICAL_BITS).isPositive();
    }

    @Test
    void timestampsIncreaseStrictlyAcrossThreads() throws Exception {
        env = new FakeEnv(cluster);
        pd = connect(env.pdAddresses());
        int threads = 4;
        int perThread = 250;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<List<Long>>> results = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    List<Long> seen = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        seen.add(pd.getTimestamp());
                    }
                    return seen;
                }));
            }
            Set<Long> all = new HashSet<>();
            for (Future<List<Long>> result : results) {
                List<Long> seen = result.get(1, TimeUnit.MINUTES);
                assertThat(seen).isSorted().doesNotHaveDuplicates();
                all.addAll(seen);
            }
            assertThat(all).hasSize(threads * perThread);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void callersWaitingTogetherShareOneTsoRequest() throws Exception {
        env = new FakeEnv(cluster);
        pd = connect(env.pdAddresses());
        CountDownLatch gate = env.pd().holdNextTso();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            Future<Long> first = pool.submit(pd::getTimestamp);
            awaitCondition(() -> env.pd().calls("Tso") == 1); // the first caller holds the stream
            Future<Long> second = pool.submit(pd::getTimestamp);
            Future<Long> third = pool.submit(pd::getTimestamp);
            awaitCondition(() -> pd.timestampWaiters() == 2);

            gate.countDown();

            long a = first.get(1, TimeUnit.MINUTES);
            List<Long> others = List.of(second.get(1, TimeUnit.MINUTES), third.get(1, TimeUnit.MINUTES));
            assertThat(env.pd().tsoCounts()).containsExactly(1, 2);
            assertThat(others).allSatisfy(ts -> assertThat(ts).isGreaterThan(a)).doesNotHaveDuplicates();
            assertThat(Math.abs(others.get(0) - others.get(1))).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Waits (parked between looks, see testkit's Await) until the condition holds, with a generous deadline. */
    private static void awaitCondition(java.util.function.BooleanSupplier condition) {
        Await.until(condition, CONDITION_DEADLINE, "the condition holds");
    }

    @Test
    void aTimestampNotAfterThePreviousOneIsRefused() {
        env = new FakeEnv(cluster);
        pd = connect(env.pdAddresses());
        long before = pd.getTimestamp();

        env.rewindTso(10);

        assertThatThrownBy(() -> pd.getTimestamp())
                .isInstanceOf(PdException.class)
                .hasMessageContaining("not after the previous one " + before);
    }

    @Test
    void followsTheLeaderWhenTheOldOneDies() {
        env = new FakeEnv(cluster, 2);
        pd = connect(env.pdAddresses());
        String oldLeader = env.pdAddresses().get(0);
        String newLeader = env.pdAddresses().get(1);
        assertThat(pd.leaderAddress()).isEqualTo(oldLeader);
        long before = pd.getTimestamp();

        env.makePdLeader(newLeader);
        env.stop(oldLeader);

        assertThat(pd.getRegion(utf8("a")).orElseThrow().id()).isEqualTo(1);
        assertThat(pd.leaderAddress()).isEqualTo(newLeader);
        assertThat(pd.getTimestamp()).isGreaterThan(before);
        assertThat(clock.sleeps()).isPositive();
    }

    @Test
    void followsTheLeaderWhenTheOldOneStepsDown() {
        env = new FakeEnv(cluster, 2);
        pd = connect(env.pdAddresses());
        String newLeader = env.pdAddresses().get(1);
        long before = pd.getTimestamp();

        env.makePdLeader(newLeader);

        assertThat(pd.getTimestamp()).isGreaterThan(before);
        assertThat(pd.leaderAddress()).isEqualTo(newLeader);
        assertThat(pd.getAllStores(false)).hasSize(3);
    }

    @Test
    void connectingToNothingFailsAtOnceNamingTheAddress() {
        env = new FakeEnv(cluster);
        String nowhere = "nobody-listens-here:2379";

        assertThatThrownBy(() -> connect(List.of(nowhere)))
                .isInstanceOf(PdException.class)
                .hasMessageStartingWith("cannot reach PD at " + nowhere + ": UNAVAILABLE");
        assertThat(clock.sleeps()).isZero();
    }

    @Test
    void givesUpWhenEveryPdStaysDown() {
        env = new FakeEnv(cluster, 2);
        pd = connect(env.pdAddresses());
        env.pdAddresses().forEach(env::stop);

        assertThatThrownBy(() -> pd.getRegion(utf8("a")))
                .isInstanceOf(PdException.class)
                .hasMessageContaining("cannot reach PD")
                .hasMessageContaining("backoff budget " + BUDGET_MS + " ms");
        assertThatThrownBy(() -> pd.getTimestamp()).isInstanceOf(PdException.class);
        assertThat(clock.sleptMs()).isLessThanOrEqualTo(2 * BUDGET_MS);
    }
}
