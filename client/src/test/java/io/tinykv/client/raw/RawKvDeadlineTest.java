package io.tinykv.client.raw;

import static io.tinykv.client.FakeCluster.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import io.tinykv.client.FakeClock;
import io.tinykv.client.FakeCluster;
import io.tinykv.client.FakeEnv;
import io.tinykv.client.FakeStore;
import io.tinykv.client.RpcException;
import io.tinykv.client.TxnFaults;
import io.tinykv.proto.Errorpb;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RawKV requests whose store answers after the client's gRPC deadline (a store held back, {@link
 * TxnFaults#holdBeforeExecuting}, as in {@code txn.TxnDeadlineRetryTest}): reads are sent again to the
 * region's current leader and answer, batches and scans without losing or repeating a key; writes are
 * reported and not sent again ({@link RawKvClient#WRITES_ON_DEADLINE}). Three regions ["", "g"),
 * ["g", "p"), ["p", "") led by stores 1, 2, 3, holding the letters a to z; backoff runs on virtual time,
 * the deadline on real time.
 */
class RawKvDeadlineTest {
    private static final long BUDGET_MS = 2_000;
    /** Short, since every held request waits it out; long enough that on a loaded machine no other call misses it. */
    private static final long KV_TIMEOUT_MS = 1_000;

    private static final long PD_TIMEOUT_MS = 3_000;

    private final FakeClock clock = new FakeClock();
    private final TxnFaults faults = new TxnFaults();
    private FakeCluster cluster;
    private FakeEnv env;
    private RawKvClient client;

    @BeforeEach
    void setUp() {
        cluster = FakeCluster.threeRegions();
        for (char c = 'a'; c <= 'z'; c++) {
            cluster.cf("").put(utf8(String.valueOf(c)), utf8("v-" + c));
        }
        env = new FakeEnv(cluster, 1, storeId -> new FakeStore(cluster, storeId, faults));
        client = RawKvClient.create(
                env.config(BUDGET_MS).withTimeoutsMs(PD_TIMEOUT_MS, KV_TIMEOUT_MS), env.channelFactory(), clock);
    }

    @AfterEach
    void tearDown() {
        client.close();
        env.close();
        faults.close();
    }

    /** Runs {@code action} once, after the first backoff that follows a held {@code method} request. */
    private void onceHeld(String method, Runnable action) {
        clock.onceAfterSleepWhen(() -> faults.held(method) > 0, action);
    }

    private List<FakeCluster.Received> receivedOf(String method) {
        return cluster.received().stream()
                .filter(r -> r.method().equals(method))
                .toList();
    }

    @Test
    void aGetAnsweredAfterTheDeadlineIsSentAgainToTheRegionsNewLeader() {
        faults.holdBeforeExecuting("RawGet", utf8("a"), 1);
        onceHeld("RawGet", () -> cluster.transferLeader(1, 2));

        assertThat(client.get(utf8("a"))).contains(utf8("v-a"));

        assertThat(faults.heldOnStores("RawGet")).containsExactly(1L);
        // The retry asked PD for the route again and went straight to the new leader.
        assertThat(receivedOf("RawGet"))
                .extracting(FakeCluster.Received::storeId)
                .containsExactly(2L);
    }

    @Test
    void aBatchGetRetriedAfterADeadlineARegionErrorAndASplitReadsEveryKeyOnce() {
        // Region 1's group meets a region error, region 2's group no answer in time; while the client
        // backs off, region 2 splits at "i", so its keys go out again in two groups.
        cluster.injectRegionError(
                1,
                Errorpb.Error.newBuilder()
                        .setMessage("busy")
                        .setServerIsBusy(Errorpb.ServerIsBusy.getDefaultInstance())
                        .build(),
                1);
        faults.holdBeforeExecuting("RawBatchGet", utf8("h"), 1);
        onceHeld("RawBatchGet", () -> cluster.split(utf8("i")));

        Map<ByteString, ByteString> found =
                client.batchGet(List.of(utf8("a"), utf8("b"), utf8("h"), utf8("i"), utf8("q")));

        assertThat(found)
                .containsExactly(
                        Map.entry(utf8("a"), utf8("v-a")),
                        Map.entry(utf8("b"), utf8("v-b")),
                        Map.entry(utf8("h"), utf8("v-h")),
                        Map.entry(utf8("i"), utf8("v-i")),
                        Map.entry(utf8("q"), utf8("v-q")));
        assertThat(faults.held("RawBatchGet")).isEqualTo(1);
        // What reached a store (the held request never executed): region 1's group twice (a region error,
        // then the answer), and every other key exactly once, h and i in the two halves of the split region.
        List<FakeCluster.Received> served = receivedOf("RawBatchGet");
        assertThat(served.stream().flatMap(r -> r.keys().stream()).map(ByteString::toStringUtf8))
                .containsExactlyInAnyOrder("a", "b", "a", "b", "h", "i", "q");
        assertThat(served)
                .filteredOn(r -> r.keys().contains(utf8("h")))
                .singleElement()
                .satisfies(r -> assertThat(r.keys()).containsExactly(utf8("h")));
    }

    @Test
    void aScanPageAnsweredAfterTheDeadlineIsReadAgainWithoutLosingOrRepeatingAKey() {
        // Region 2's forward page starts at "g"; its reverse page reads downwards from "p".
        faults.holdBeforeExecuting("RawScan", utf8("g"), 1);
        faults.holdBeforeExecuting("RawScanReverse", utf8("p"), 1);

        List<String> forward = client.scan(ByteString.EMPTY, ByteString.EMPTY, 100, false).stream()
                .map(kv -> kv.key().toStringUtf8())
                .toList();
        List<String> reverse = client.reverseScan(ByteString.EMPTY, ByteString.EMPTY, 100, true).stream()
                .map(kv -> kv.key().toStringUtf8())
                .toList();

        assertThat(faults.held("RawScan")).isEqualTo(1);
        assertThat(faults.held("RawScanReverse")).isEqualTo(1);
        List<String> letters = "abcdefghijklmnopqrstuvwxyz"
                .chars()
                .mapToObj(c -> String.valueOf((char) c))
                .toList();
        assertThat(forward).isEqualTo(letters);
        assertThat(reverse).isEqualTo(letters.reversed());
    }

    @Test
    void aPutAnsweredAfterTheDeadlineIsReportedAndNotSentAgain() {
        faults.holdBeforeExecuting("RawPut", utf8("k"), 1);

        RpcException timedOut = catchThrowableOfType(RpcException.class, () -> client.put(utf8("k"), utf8("mine")));

        assertThat(timedOut).isNotNull().hasMessageContaining("no answer within " + KV_TIMEOUT_MS + " ms");
        assertThat(faults.held("RawPut")).isEqualTo(1);
        assertThat(receivedOf("RawPut")).as("no second copy was sent").isEmpty();
        // Another client writes the key; the one copy of ours lands late, once, as a put whose outcome the
        // caller was told is unknown may.
        client.put(utf8("k"), utf8("theirs"));
        assertThat(client.get(utf8("k"))).contains(utf8("theirs"));
        faults.releaseHeld();
        assertThat(client.get(utf8("k"))).contains(utf8("mine"));
        assertThat(receivedOf("RawPut")).hasSize(2);
    }
}
