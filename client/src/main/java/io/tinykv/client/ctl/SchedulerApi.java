package io.tinykv.client.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The scheduler's JSON API ({@code /api/v1/...}, the status page's) as {@code tinykv ctl}'s cluster
 * operations call it: over HTTP/1.1 on the scheduler's client port (the {@code --pd} address), which
 * answers HTTP next to gRPC — HTTPS with our client certificate when TLS is on. Tries the addresses in turn until one answers; an error answer becomes
 * a {@link Failure} carrying the scheduler's reason.
 */
final class SchedulerApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "/api/v1/";

    /** The scheduler refused, or could not be reached; the message says which and why. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message, null, false, false);
        }
    }

    private final List<String> addresses;
    private final Duration timeout;
    private final HttpClient http;
    private final String scheme;

    /** @param tls the TLS context of the {@code [security]} settings, or null for plaintext */
    SchedulerApi(List<String> addresses, Duration timeout, SSLContext tls) {
        this.addresses = List.copyOf(addresses);
        this.timeout = timeout;
        HttpClient.Builder builder =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
    }

    JsonNode get(String path) {
        return call("GET", path, null);
    }

    JsonNode post(String path, Map<String, Object> body) {
        return call("POST", path, body);
    }

    JsonNode delete(String path) {
        return call("DELETE", path, null);
    }

    private JsonNode call(String method, String path, Map<String, Object> body) {
        String lastProblem = "";
        for (String address : addresses) {
            URI uri = URI.create(scheme + address + PREFIX + path);
            HttpRequest.BodyPublisher publisher;
            try {
                publisher = body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new IllegalStateException("cannot write the request as JSON", e);
            }
            HttpResponse<String> response;
            try {
                response = http.send(
                        HttpRequest.newBuilder(uri)
                                .timeout(timeout)
                                .method(method, publisher)
                                .header("Content-Type", "application/json")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                lastProblem = "the scheduler at " + address + " cannot be reached: " + e;
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Failure("interrupted");
            }
            JsonNode answer;
            try {
                answer = JSON.readTree(response.body());
            } catch (IOException e) {
                throw new Failure("the scheduler at " + address + " answered HTTP " + response.statusCode()
                        + " with something other than JSON (is " + address + " the scheduler's client port?)");
            }
            if (response.statusCode() / 100 != 2) {
                JsonNode error = answer == null ? null : answer.get("error");
                throw new Failure(error == null ? "HTTP " + response.statusCode() : error.asText());
            }
            return answer;
        }
        throw new Failure(lastProblem);
    }

    @Override
    public void close() {
        http.close();
    }
}
