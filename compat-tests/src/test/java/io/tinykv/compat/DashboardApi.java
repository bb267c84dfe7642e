package io.tinykv.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The scheduler's status-page API ({@code /api/v1/...}) as the tests call it: status and JSON of each answer. */
final class DashboardApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    record Answer(int status, JsonNode body) {}

    private final String address;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();

    DashboardApi(String address) {
        this.address = address;
    }

    Answer call(String method, String path, String body) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + address + "/api/v1/" + path))
                            .timeout(TIMEOUT)
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), JSON.readTree(r.body()));
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " on " + address + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** GET that must answer 200. */
    JsonNode get(String path) {
        Answer a = call("GET", path, null);
        assertThat(a.status()).as("GET " + path + ": " + a.body()).isEqualTo(200);
        return a.body();
    }

    /** POST that must answer 200. */
    JsonNode post(String path, String body) {
        Answer a = call("POST", path, body);
        assertThat(a.status()).as("POST " + path + " " + body + ": " + a.body()).isEqualTo(200);
        return a.body();
    }

    /** The store id leading {@code regionId} now, 0 when unknown. */
    long leaderStore(long regionId) {
        return get("region/id/" + regionId).path("leader").path("store_id").asLong();
    }

    @Override
    public void close() {
        http.close();
    }
}
