package io.tinykv.client.raw;

import static io.tinykv.client.FakeCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.KeyValue;
import io.tinykv.client.KeyValueException;
import io.tinykv.client.RegionErrorException;
import io.tinykv.client.RegionUnavailableException;
import io.tinykv.proto.Errorpb;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RawKvClientTest {
    private static final long BUDGET_MS = 2_000;

    private final FakeClock clock = new FakeClock();
    private FakeCluster cluster;
    private FakeEnv env;
    private RawKvClient client;

    private void start(FakeCluster c) {
        cluster = c;
        env = new FakeEnv(cluster);
        client = env.client(clock, BUDGET_MS);
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (env != null) {
            env.close();
        }
    }

    private static List<String> keysOf(List<KeyValue> pairs) {
        return pairs.stream().map(kv -> kv.key().toStringUtf8()).toList();
    }

    private static List<String> letters(char from, char toInclusive) {
        List<String> out = new ArrayList<>();
        for (char c = from; c <= toInclusive; c++) {
            out.add(String.valueOf(c));
        }
        return out;
    }

    private void putLetters() {
        for (String letter : letters('a', 'z')) {
            client.put(utf8(letter), utf8("v-" + letter));
        }
    }

    private List<FakeCluster.Received> receivedOf(String method) {
        return cluster.received().stream()
                .filter(r -> r.method().equals(method))
                .toList();
    }

    @Test
    void routesEachKeyToItsRegionLeader() {
        start(FakeCluster.threeRegions());

        client.put(utf8("apple"), utf8("1"));
        client.put(utf8("grape"), utf8("2"));
        client.put(utf8("zebra"), utf8("3"));

        assertThat(receivedOf("RawPut"))
                .extracting(FakeCluster.Received::storeId, FakeCluster.Received::regionId)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, 1L),
                        org.assertj.core.groups.Tuple.tuple(2L, 2L),
                        org.assertj.core.groups.Tuple.tuple(3L, 3L));
        assertThat(client.get(utf8("apple"))).contains(utf8("1"));
        assertThat(client.get(utf8("grape"))).contains(utf8("2"));
        assertThat(client.get(utf8("zebra"))).contains(utf8("3"));
        assertThat(client.get(utf8("kiwi"))).isEmpty();
        assertThat(cluster.cf("default")).containsEntry(utf8("grape"), utf8("2"));
        assertThat(clock.sleeps()).isZero();
    }

    @Test
    void routesAreCachedAfterTheFirstLookup() {
        start(FakeCluster.threeRegions());

        client.put(utf8("a1"), utf8("1"));
        client.put(utf8("a2"), utf8("2"));
        client.get(utf8("a3"));

        assertThat(env.pd().calls("GetRegion")).isEqualTo(1);
        assertThat(env.pd().calls("GetStore")).isEqualTo(1);
    }

    @Test
    void deleteRemovesAKey() {
        start(FakeCluster.threeRegions());
        client.put(utf8("h"), utf8("x"));

        client.delete(utf8("h"));
        client.delete(utf8("never-there"));

        assertThat(client.get(utf8("h"))).isEmpty();
    }

    @Test
    void scanCrossesRegionBoundariesForward() {
        start(FakeCluster.threeRegions());
        putLetters();

        assertThat(keysOf(client.scan(ByteString.EMPTY, ByteString.EMPTY, 100, false)))
                .containsExactlyElementsOf(letters('a', 'z'));
        assertThat(keysOf(client.scan(utf8("e"), utf8("r"), 100, false))).containsExactlyElementsOf(letters('e', 'q'));
        assertThat(keysOf(client.scan(utf8("e"), ByteString.EMPTY, 5, false)))
                .containsExactlyElementsOf(letters('e', 'i'));
        // a limit that ends exactly at a region boundary ("g" starts region 2)
        assertThat(keysOf(client.scan(utf8("c"), ByteString.EMPTY, 4, false)))
                .containsExactlyElementsOf(letters('c', 'f'));
        assertThat(client.scan(utf8("e"), utf8("r"), 100, false).get(0).value()).isEqualTo(utf8("v-e"));
    }

    @Test
    void scanCrossesRegionBoundariesInReverse() {
        start(FakeCluster.threeRegions());
        putLetters();

        assertThat(keysOf(client.reverseScan(ByteString.EMPTY, ByteString.EMPTY, 100, false)))
                .containsExactlyElementsOf(letters('a', 'z').reversed());
        assertThat(keysOf(client.reverseScan(utf8("e"), utf8("r"), 100, false)))
                .containsExactlyElementsOf(letters('e', 'q').reversed());
        assertThat(keysOf(client.reverseScan(ByteString.EMPTY, ByteString.EMPTY, 5, false)))
                .containsExactly("z", "y", "x", "w", "v");
        // an upper bound that is exactly a region boundary ("p" starts region 3)
        assertThat(keysOf(client.reverseScan(ByteString.EMPTY, utf8("p"), 3, false)))
                .containsExactly("o", "n", "m");
        assertThat(client.reverseScan(utf8("a"), utf8("c"), 10, false))
                .containsExactly(new KeyValue(utf8("b"), utf8("v-b")), new KeyValue(utf8("a"), utf8("v-a")));
        assertThat(client.reverseScan(utf8("c"), utf8("c"), 10, false)).isEmpty();
    }

    @Test
    void scanPagesThroughARegionWhenThePageIsSmallerThanTheLimit() {
        cluster = FakeCluster.threeRegions();
        env = new FakeEnv(cluster);
        client = RawKvClient.create(env.config(BUDGET_MS).withScanPageSizeKeys(2), env.channelFactory(), clock);
        putLetters();

        assertThat(keysOf(client.scan(ByteString.EMPTY, ByteString.EMPTY, 100, false)))
                .containsExactlyElementsOf(letters('a', 'z'));
        assertThat(keysOf(client.reverseScan(utf8("b"), utf8("y"), 100, false)))
                .containsExactlyElementsOf(letters('b', 'x').reversed());
        assertThat(receivedOf("RawScan").size()).isGreaterThan(3);
    }

    @Test
    void keyOnlyScanLeavesValuesEmpty() {
        start(FakeCluster.threeRegions());
        putLetters();

        List<KeyValue> forward = client.scan(utf8("f"), utf8("h"), 10, true);
        List<KeyValue> reverse = client.reverseScan(utf8("f"), utf8("h"), 10, true);

        assertThat(forward)
                .containsExactly(new KeyValue(utf8("f"), ByteString.EMPTY), new KeyValue(utf8("g"), ByteString.EMPTY));
        assertThat(reverse)
                .containsExactly(new KeyValue(utf8("g"), ByteString.EMPTY), new KeyValue(utf8("f"), ByteString.EMPTY));
    }

    @Test
    void scanRejectsBadArguments() {
        start(FakeCluster.threeRegions());

        assertThatThrownBy(() -> client.scan(utf8("b"), utf8("a"), 10, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("start after its end");
        assertThatThrownBy(() -> client.scan(utf8("a"), utf8("b"), 0, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("limit");
    }

    @Test
    void batchOperationsSplitKeysByRegion() {
        start(FakeCluster.threeRegions());
        Map<ByteString, ByteString> pairs = new LinkedHashMap<>();
        for (String key : List.of("a", "h", "q", "b", "i", "z")) {
            pairs.put(utf8(key), utf8("v" + key));
        }

        client.batchPut(pairs);

        List<FakeCluster.Received> puts = receivedOf("RawBatchPut");
        assertThat(puts).hasSize(3);
        assertThat(puts).allSatisfy(r -> {
            FakeCluster.Region region = cluster.regionById(r.regionId());
            assertThat(r.keys()).allMatch(region::contains);
            assertThat(r.storeId()).isEqualTo(region.leaderStoreId());
        });
        assertThat(puts).flatExtracting(FakeCluster.Received::keys).containsExactlyInAnyOrderElementsOf(pairs.keySet());

        Map<ByteString, ByteString> got = client.batchGet(List.of(utf8("z"), utf8("missing"), utf8("a"), utf8("h")));
        assertThat(got)
                .containsExactly(
                        Map.entry(utf8("z"), utf8("vz")),
                        Map.entry(utf8("a"), utf8("va")),
                        Map.entry(utf8("h"), utf8("vh")));
        assertThat(receivedOf("RawBatchGet")).hasSize(3);

        client.batchDelete(List.of(utf8("a"), utf8("q"), utf8("i")));
        assertThat(receivedOf("RawBatchDelete")).hasSize(3);
        assertThat(cluster.cf("default").keySet()).containsExactly(utf8("b"), utf8("h"), utf8("z"));

        client.batchPut(Map.of());
        assertThat(client.batchGet(List.of())).isEmpty();
    }

    @Test
    void batchesAreCutIntoRequestsOfBoundedSize() {
        cluster = FakeCluster.threeRegions();
        env = new FakeEnv(cluster);
        client = RawKvClient.create(env.config(BUDGET_MS).withBatchSizeKeys(2), env.channelFactory(), clock);
        Map<ByteString, ByteString> pairs = new LinkedHashMap<>();
        for (String key : List.of("a", "b", "c", "d", "e", "h")) {
            pairs.put(utf8(key), utf8("v" + key));
        }

        client.batchPut(pairs);

        assertThat(receivedOf("RawBatchPut")).extracting(r -> r.keys().size()).containsExactly(2, 2, 1, 1);
        assertThat(cluster.cf("default")).containsAllEntriesOf(pairs);
    }

    @Test
    void deleteRangeCoversEveryRegionInTheRange() {
        start(FakeCluster.threeRegions());
        putLetters();

        client.deleteRange(utf8("c"), utf8("r"));

        assertThat(keysOf(client.scan(ByteString.EMPTY, ByteString.EMPTY, 100, false)))
                .containsExactly("a", "b", "r", "s", "t", "u", "v", "w", "x", "y", "z");
        assertThat(receivedOf("RawDeleteRange"))
                .extracting(FakeCluster.Received::regionId)
                .containsExactly(1L, 2L, 3L);
        assertThatThrownBy(() -> client.deleteRange(utf8("a"), ByteString.EMPTY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-empty endKey");
    }

    @Test
    void columnFamilyViewWritesToItsColumnFamily() {
        start(FakeCluster.threeRegions());

        RawKvClient lock = client.withColumnFamily("lock");
        lock.put(utf8("k"), utf8("in-lock"));
        lock.close(); // a view: must not close the shared connections

        assertThat(cluster.cf("lock")).containsEntry(utf8("k"), utf8("in-lock"));
        assertThat(client.get(utf8("k"))).isEmpty();
        assertThat(client.withColumnFamily("lock").get(utf8("k"))).contains(utf8("in-lock"));
    }

    @Test
    void notLeaderWithHintSwitchesToTheHintedLeaderAtOnce() {
        start(FakeCluster.threeRegions());
        cluster.transferLeader(2, 3);
        cluster.pdBelievesLeader(2, 2);

        client.put(utf8("h"), utf8("1"));
        client.put(utf8("i"), utf8("2"));

        assertThat(receivedOf("RawPut"))
                .extracting(FakeCluster.Received::storeId)
                .containsExactly(2L, 3L, 3L);
        assertThat(cluster.cf("default")).containsEntry(utf8("h"), utf8("1")).containsEntry(utf8("i"), utf8("2"));
        assertThat(clock.sleeps()).isZero();
        assertThat(env.pd().calls("GetRegion")).isEqualTo(1);
    }

    @Test
    void notLeaderWithoutHintBacksOffAndTriesAnotherPeer() {
        start(FakeCluster.threeRegions());
        cluster.setNotLeaderHints(false);
        cluster.transferLeader(2, 3);
        cluster.pdBelievesLeader(2, 1);

        client.put(utf8("h"), utf8("1"));

        assertThat(receivedOf("RawPut"))
                .extracting(FakeCluster.Received::storeId)
                .containsExactly(1L, 2L, 3L);
        assertThat(cluster.cf("default")).containsEntry(utf8("h"), utf8("1"));
        assertThat(clock.sleeps()).isEqualTo(2);
    }

    @Test
    void leadersPointingAtEachOtherExhaustTheBudget() {
        start(FakeCluster.threeRegions());
        Errorpb.Error toStore3 = notLeader(2, 3);
        Errorpb.Error toStore2 = notLeader(2, 2);
        cluster.injectRegionError(2, toStore3, 10_000);
        cluster.injectRegionError(3, toStore2, 10_000);

        assertThatThrownBy(() -> client.put(utf8("h"), utf8("1")))
                .isInstanceOf(RegionUnavailableException.class)
                .hasMessageContaining("put")
                .hasMessageContaining("gave up")
                .hasMessageContaining("not_leader");
        assertThat(clock.sleptMs()).isLessThanOrEqualTo(BUDGET_MS);
        assertThat(cluster.cf("default")).doesNotContainKey(utf8("h"));
    }

    private Errorpb.Error notLeader(long regionId, long leaderStore) {
        return Errorpb.Error.newBuilder()
                .setNotLeader(Errorpb.NotLeader.newBuilder()
                        .setRegionId(regionId)
                        .setLeader(cluster.regionById(regionId).peerOn(leaderStore)))
                .build();
    }

    @Test
    void epochNotMatchAfterSplitRetriesWithTheRegionsTheStoreReports() {
        start(FakeCluster.threeRegions());
        client.put(utf8("x"), utf8("old"));
        long newRegion = cluster.split(utf8("t"));
        cluster.clearReceived();

        client.put(utf8("x"), utf8("new"));
        client.put(utf8("q"), utf8("q"));

        assertThat(receivedOf("RawPut"))
                .extracting(FakeCluster.Received::regionId)
                .containsExactly(3L, newRegion, 3L);
        assertThat(cluster.cf("default")).containsEntry(utf8("x"), utf8("new")).containsEntry(utf8("q"), utf8("q"));
        assertThat(clock.sleeps()).isZero();
        assertThat(client.cachedRegionCount()).isEqualTo(4);
    }

    @Test
    void epochNotMatchWithoutRegionsRefreshesFromPd() {
        start(FakeCluster.threeRegions());
        cluster.setEpochNotMatchCarriesRegions(false);
        client.put(utf8("x"), utf8("old"));
        cluster.split(utf8("t"));
        int lookupsBefore = env.pd().calls("GetRegion");

        client.put(utf8("x"), utf8("new"));

        assertThat(cluster.cf("default")).containsEntry(utf8("x"), utf8("new"));
        assertThat(env.pd().calls("GetRegion")).isEqualTo(lookupsBefore + 1);
        assertThat(clock.sleeps()).isEqualTo(1);
    }

    @Test
    void scanAndBatchesSurviveASplitInTheMiddle() {
        start(FakeCluster.threeRegions());
        putLetters();
        cluster.split(utf8("c"));
        cluster.split(utf8("u"));

        assertThat(keysOf(client.scan(ByteString.EMPTY, ByteString.EMPTY, 100, false)))
                .containsExactlyElementsOf(letters('a', 'z'));
        cluster.split(utf8("k"));
        assertThat(keysOf(client.reverseScan(ByteString.EMPTY, ByteString.EMPTY, 100, false)))
                .containsExactlyElementsOf(letters('a', 'z').reversed());
        cluster.split(utf8("e"));
        Map<ByteString, ByteString> got = client.batchGet(List.of(utf8("d"), utf8("f"), utf8("l"), utf8("v")));
        assertThat(got.keySet()).containsExactly(utf8("d"), utf8("f"), utf8("l"), utf8("v"));
    }

    @Test
    void busyAndStaleCommandAreRetriedAfterBackingOff() {
        start(FakeCluster.threeRegions());
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason("too many writes"))
                        .build(),
                2);
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setStaleCommand(Errorpb.StaleCommand.getDefaultInstance())
                        .build(),
                1);

        client.put(utf8("a"), utf8("1"));

        assertThat(cluster.cf("default")).containsEntry(utf8("a"), utf8("1"));
        assertThat(receivedOf("RawPut")).hasSize(4);
        assertThat(clock.sleeps()).isEqualTo(3);
    }

    @Test
    void regionNotFoundAndKeyNotInRegionRefreshTheRoute() {
        start(FakeCluster.threeRegions());
        client.get(utf8("a"));
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setRegionNotFound(Errorpb.RegionNotFound.newBuilder().setRegionId(1))
                        .build(),
                1);
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setKeyNotInRegion(Errorpb.KeyNotInRegion.newBuilder().setKey(utf8("a")))
                        .build(),
                1);

        client.put(utf8("a"), utf8("1"));

        assertThat(cluster.cf("default")).containsEntry(utf8("a"), utf8("1"));
        assertThat(env.pd().calls("GetRegion")).isEqualTo(3);
    }

    @Test
    void budgetExhaustedByABusyStoreGivesAClearException() {
        start(FakeCluster.threeRegions());
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setServerIsBusy(Errorpb.ServerIsBusy.newBuilder().setReason("compaction"))
                        .build(),
                10_000);

        assertThatThrownBy(() -> client.get(utf8("a")))
                .isInstanceOf(RegionUnavailableException.class)
                .hasMessageContaining("get")
                .hasMessageContaining("server_is_busy (compaction)")
                .hasMessageContaining("backoff budget " + BUDGET_MS + " ms");
        assertThat(clock.sleptMs()).isLessThanOrEqualTo(BUDGET_MS);
        assertThat(receivedOf("RawGet").size()).isGreaterThan(1);
    }

    @Test
    void errorReportedByTheStoreIsNotRetried() {
        start(FakeCluster.threeRegions());
        cluster.injectKvError("value is too large");

        assertThatThrownBy(() -> client.put(utf8("a"), utf8("1")))
                .isInstanceOf(KeyValueException.class)
                .hasMessageContaining("put \"a\"")
                .hasMessageContaining("value is too large");
        assertThat(receivedOf("RawPut")).hasSize(1);
        assertThat(clock.sleeps()).isZero();
    }

    @Test
    void nonRetryableRegionErrorIsSurfaced() {
        start(FakeCluster.threeRegions());
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setMessage("entry too large")
                        .setRaftEntryTooLarge(Errorpb.RaftEntryTooLarge.newBuilder()
                                .setRegionId(1)
                                .setEntrySize(9_000_000))
                        .build(),
                1);

        assertThatThrownBy(() -> client.put(utf8("a"), utf8("1")))
                .isInstanceOf(RegionErrorException.class)
                .hasMessageContaining("raft_entry_too_large")
                .satisfies(e -> assertThat(((RegionErrorException) e).error().hasRaftEntryTooLarge())
                        .isTrue());
        assertThat(receivedOf("RawPut")).hasSize(1);
    }

    @Test
    void unreachableStoreIsLookedUpAgainAndRetried() {
        start(FakeCluster.threeRegions());
        client.put(utf8("a"), utf8("before"));
        env.stop(env.storeAddress(1, 0));
        env.startStore(1, env.storeAddress(1, 1));

        client.put(utf8("a"), utf8("after"));

        assertThat(cluster.cf("default")).containsEntry(utf8("a"), utf8("after"));
        assertThat(env.pd().calls("GetStore")).isEqualTo(2);
        assertThat(clock.sleeps()).isEqualTo(1);
    }

    @Test
    void storeThatStaysDownExhaustsTheBudget() {
        start(FakeCluster.threeRegions());
        env.stop(env.storeAddress(1, 0));

        assertThatThrownBy(() -> client.get(utf8("a")))
                .isInstanceOf(RegionUnavailableException.class)
                .hasMessageContaining("UNAVAILABLE");
    }

    @Test
    void keepsWorkingWhenThePdLeaderChanges() {
        cluster = FakeCluster.threeRegions();
        env = new FakeEnv(cluster, 2);
        client = env.client(clock, BUDGET_MS);
        client.put(utf8("x"), utf8("1"));
        cluster.setEpochNotMatchCarriesRegions(false); // so that the client must ask PD again
        cluster.split(utf8("t"));

        env.makePdLeader(env.pdAddresses().get(1));
        env.stop(env.pdAddresses().get(0));
        client.put(utf8("x"), utf8("2"));

        assertThat(cluster.cf("default")).containsEntry(utf8("x"), utf8("2"));
        assertThat(env.pd(env.pdAddresses().get(1)).calls("GetRegion")).isEqualTo(1);
    }

    @Test
    void aClosedClientRefusesWork() {
        start(FakeCluster.threeRegions());
        client.put(utf8("a"), utf8("1"));

        client.close();

        assertThatThrownBy(() -> client.get(utf8("a")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        start(FakeCluster.threeRegions());
        int threads = 4;
        int keysPerThread = 50;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < keysPerThread; i++) {
                        ByteString key = utf8((char) ('a' + (i % 26)) + "-" + thread + "-" + i);
                        client.put(key, key);
                        assertThat(client.get(key)).contains(key);
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get(1, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(client.scan(ByteString.EMPTY, ByteString.EMPTY, 1_000, true)).hasSize(threads * keysPerThread);
    }
}
