package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.tinykv.client.ClientConfig;
import io.tinykv.client.raw.RawKvClient;
import io.tinykv.server.ServeUntilSignal;
import io.tinykv.server.playground.ChildProcess;
import io.tinykv.testkit.wait.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Taking a store offline end to end, on 4 real stores: its replicas move to the other three, no
 * region is seen with fewer than max-replicas peers on the way, it becomes a tombstone, every key
 * reads back as written, and the tombstone can be removed.
 */
class StoreOfflineCompatTest {
    private static final Duration STARTUP = Duration.ofSeconds(180);
    private static final Duration DRAIN = Duration.ofSeconds(120);
    private static final int KEYS = 200;
    private static final List<String> SPLIT_KEYS = List.of("key050", "key100", "key150");

    @TempDir
    Path dir;

    @Test
    void anOfflineStoreHandsItsReplicasOverAndBecomesATombstoneWithEveryKeyIntact() throws Exception {
        try (LocalCluster cluster = LocalCluster.startWithStatusPage(dir, 4);
                DashboardApi api = new DashboardApi(cluster.schedulerStatusAddress())) {
            cluster.awaitServing(STARTUP);
            try (RawKvClient client = RawKvClient.create(ClientConfig.of(List.of(cluster.pdAddress())))) {
                for (int i = 0; i < KEYS; i++) {
                    ByteString k = key(i);
                    ByteString v = value(i);
                    // Set-up: a put past the client's deadline on a loaded machine is tried again.
                    UntilDone.run("put " + k.toStringUtf8(), DRAIN, () -> client.put(k, v));
                }
            }
            for (String k : SPLIT_KEYS) {
                // A region fresh from a split is scattered (scatter-split-regions): one operator a region.
                Await.until(
                        () -> api.get("operators").path("running").isEmpty(),
                        DRAIN,
                        () -> "no operator running: " + api.get("operators"));
                api.post("operators", "{\"type\": \"split\", \"key\": \"" + k + "\"}");
                Await.until(
                        () -> api.get("regions?q=key:" + k)
                                .at("/regions/0/start_key")
                                .asText()
                                .equals(k),
                        DRAIN,
                        "the split at " + k);
            }
            Await.until(
                    () -> allFull(api.get("regions?limit=1000")),
                    DRAIN,
                    () -> "every region with 3 replicas: " + api.get("regions?limit=1000"));

            long drained = busiestStore(api.get("stores"));
            JsonNode asked = api.post("stores/" + drained + "/state", "{\"state\": \"offline\"}");
            assertThat(asked.path("message").asText()).contains("is offline");

            AtomicInteger looks = new AtomicInteger();
            Await.until(
                    () -> {
                        JsonNode regions = api.get("regions?limit=1000");
                        for (JsonNode r : regions.path("regions")) {
                            assertThat(r.path("peers").size())
                                    .as("region %s while store %s drains: %s", r.path("id"), drained, r)
                                    .isGreaterThanOrEqualTo(3);
                        }
                        looks.incrementAndGet();
                        return state(api, drained).equals("Tombstone");
                    },
                    DRAIN,
                    () -> "store " + drained + " a tombstone: " + api.get("stores") + "\n" + api.get("operators") + "\n"
                            + cluster.logs());
            assertThat(looks.get()).as("the drain was watched while it ran").isGreaterThan(1);
            assertThat(api.get("regions?q=store:" + drained).path("matched").asInt())
                    .isZero();
            assertThat(allFull(api.get("regions?limit=1000"))).isTrue();
            assertThat(api.get("status").path("under_replicated").size()).isZero();
            // The replica moves show among the recent operators.
            assertThat(api.get("operators").path("recent").toString())
                    .contains("remove peer")
                    .contains("on store " + drained);

            try (RawKvClient client = RawKvClient.create(ClientConfig.of(List.of(cluster.pdAddress())))) {
                for (int i = 0; i < KEYS; i++) {
                    ByteString k = key(i);
                    // A read that outlasts its deadline says nothing about the data: asked again; the
                    // value it returns is what the test checks.
                    Optional<ByteString> read = UntilDone.value("get " + k.toStringUtf8(), DRAIN, () -> client.get(k));
                    assertThat(read).as("key %d", i).isEqualTo(Optional.of(value(i)));
                }
            }

            // The tombstone's process learns it from its next store heartbeat and stops, saying why.
            ChildProcess tombstone = cluster.current(LocalCluster.storeName(cluster.storeIndex(drained)));
            assertThat(tombstone.awaitExit(DRAIN))
                    .as("store %s stops once a tombstone", drained)
                    .isTrue();
            assertThat(tombstone.exitCode()).isEqualTo(ServeUntilSignal.EXIT_TOMBSTONE);
            assertThat(Files.readString(tombstone.spec().logFile()))
                    .contains("is a tombstone")
                    .contains("start a store with an empty --data-dir");

            DashboardApi.Answer back = api.call("POST", "stores/" + drained + "/state", "{\"state\": \"up\"}");
            assertThat(back.status()).isEqualTo(409);
            assertThat(back.body().path("error").asText()).contains("tombstone and cannot come back");
            assertThat(api.call("DELETE", "stores/" + drained, null).status()).isEqualTo(200);
            assertThat(api.get("stores").toString()).doesNotContain("\"id\":" + drained + ",");
        }
    }

    private static ByteString key(int i) {
        return ByteString.copyFromUtf8(String.format("key%03d", i));
    }

    private static ByteString value(int i) {
        return ByteString.copyFromUtf8("value-" + i);
    }

    private static boolean allFull(JsonNode regions) {
        if (regions.path("regions").size() != SPLIT_KEYS.size() + 1) {
            return false;
        }
        for (JsonNode r : regions.path("regions")) {
            if (r.path("peers").size() != 3
                    || r.path("leader").isMissingNode()
                    || r.path("pending_peers").size() > 0) {
                return false;
            }
        }
        return true;
    }

    private static long busiestStore(JsonNode stores) {
        long best = 0;
        int most = -1;
        for (JsonNode s : stores.path("stores")) {
            if (s.path("region_count").asInt() > most) {
                most = s.path("region_count").asInt();
                best = s.path("id").asLong();
            }
        }
        return best;
    }

    private static String state(DashboardApi api, long storeId) {
        for (JsonNode s : api.get("stores").path("stores")) {
            if (s.path("id").asLong() == storeId) {
                return s.path("state").asText();
            }
        }
        return "missing";
    }
}
