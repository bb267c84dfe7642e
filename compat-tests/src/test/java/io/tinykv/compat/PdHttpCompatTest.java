package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tinykv.testkit.wait.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tikv.common.PDChecker;
import org.tikv.common.PDClient;
import org.tikv.common.TiSession;

/**
 * PD's HTTP API on a {@code tinykv scheduler} process's client port, next to its gRPC: the TiKV
 * client's checker helpers (which failed with "Invalid Http response" before), and PD's store and
 * region routes showing the live cluster.
 */
@SuppressWarnings("try") // TiSession.close() declares Exception (the client's signature, not ours)
class PdHttpCompatTest {
    private static final Duration STARTUP = Duration.ofMinutes(5);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theSchedulerServesTheClientsCheckerCallsAndPdsRoutesOnItsGrpcPort() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 1);
                HttpClient http = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(WAIT)
                        .build()) {
            cluster.awaitServing(STARTUP);
            try (TiSession session = Sessions.open(cluster.pdAddress())) {
                PDClient pd = session.getPDClient();
                assertThat(pd.isCheckerPaused(PDChecker.Replica)).isFalse();
                // The client pauses from a background thread, at once and then every minute.
                pd.keepPauseChecker(PDChecker.Replica);
                // Polled with pauses (Await), not in a spin that would starve the client's thread.
                Await.until(
                        () -> Boolean.TRUE.equals(pd.isCheckerPaused(PDChecker.Replica)),
                        WAIT,
                        "the client's pause of the replica checker");
                pd.stopKeepPauseChecker(PDChecker.Replica);
                pd.resumeChecker(PDChecker.Replica);
                assertThat(pd.isCheckerPaused(PDChecker.Replica)).isFalse();
            }

            JsonNode stores = get(http, cluster.pdAddress(), "/pd/api/v1/stores");
            assertThat(stores.get("count").asInt()).isEqualTo(1);
            JsonNode store = stores.at("/stores/0");
            assertThat(store.at("/store/state_name").asText()).isEqualTo("Up");
            assertThat(store.at("/status/region_count").asInt()).isPositive();
            JsonNode regions = get(http, cluster.pdAddress(), "/pd/api/v1/regions");
            assertThat(regions.get("count").asInt()).isPositive();
            assertThat(regions.at("/regions/0/leader/store_id").asLong())
                    .isEqualTo(store.at("/store/id").asLong());
            assertThat(get(http, cluster.pdAddress(), "/pd/api/v1/health")
                            .at("/0/health")
                            .asBoolean())
                    .isTrue();
        }
    }

    private static JsonNode get(HttpClient http, String pdAddress, String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://" + pdAddress + path))
                        .timeout(WAIT)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }
}
