package io.tinykv.scheduler.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import io.tinykv.scheduler.SchedulerPauses;
import io.tinykv.scheduler.dashboard.DashboardApi;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * PD's HTTP API ({@code /pd/api/v1/...}), the routes TiKV clients and operators use, answered from
 * {@link PdViews}; independent of the transport. Unknown paths answer 404 and known paths with the
 * wrong method 405 (with {@code Allow}), both with {@code {"error": ...}}; bad ids and bodies 400.
 *
 * <p>Routes: {@code stores}, {@code store/{id}}, {@code regions}, {@code region/id/{id}},
 * {@code region/key/{key}} ({@code ?format=hex} for a hex key), {@code config}, {@code health},
 * {@code members}, {@code version}, {@code cluster}, and {@code checker/{name}}: GET answers
 * {@code {"paused": bool}}, POST {@code {"delay": seconds}} pauses for that long, 0 resumes.
 */
public final class PdHttpApi {

    public static final String PREFIX = "/pd/api/v1/";
    private static final String GET = "GET";
    private static final String POST = "POST";

    private final PdViews views;
    private final SchedulerPauses pauses;
    private final LongSupplier clockMillis;
    private final DashboardApi dashboard;

    public PdHttpApi(PdViews views, SchedulerPauses pauses, LongSupplier clockMillis) {
        this(views, pauses, clockMillis, null);
    }

    /**
     * @param dashboard answers {@value DashboardApi#PREFIX} too (the status page's API, which
     *     {@code tinykv ctl} uses for cluster operations), or null
     */
    public PdHttpApi(PdViews views, SchedulerPauses pauses, LongSupplier clockMillis, DashboardApi dashboard) {
        this.views = views;
        this.pauses = pauses;
        this.clockMillis = clockMillis;
        this.dashboard = dashboard;
    }

    /** A request as the routes see it: the path split into decoded-later raw segments, the query decoded. */
    private record Request(String method, List<String> segments, Map<String, String> query, byte[] body) {}

    /** A route: the methods it answers and how. */
    private record Route(Set<String> methods, Function<Request, ApiResponse> handler) {}

    /**
     * Answers one request. Never throws for bad input: every problem is an error answer.
     *
     * @param uri the request target, path and query, as sent
     */
    public ApiResponse handle(String method, String uri, byte[] body) {
        try {
            return dispatch(method, uri, body);
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(ApiResponse.BAD_REQUEST, e.getMessage());
        }
    }

    private ApiResponse dispatch(String method, String uri, byte[] body) {
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        Map<String, String> query = q < 0 ? Map.of() : query(uri.substring(q + 1));
        if (dashboard != null && DashboardApi.owns(path)) {
            return dashboard.handle(method, uri, body);
        }
        if (!path.startsWith(PREFIX)) {
            return notFound(method, path);
        }
        List<String> segments = Arrays.asList(path.substring(PREFIX.length()).split("/", -1));
        Optional<Route> route = route(segments);
        if (route.isEmpty()) {
            return notFound(method, path);
        }
        if (!route.get().methods().contains(method)) {
            String allow =
                    String.join(", ", route.get().methods().stream().sorted().toList());
            return new ApiResponse(
                    ApiResponse.METHOD_NOT_ALLOWED,
                    Map.of("error", method + " is not allowed on " + path + "; allowed: " + allow),
                    Map.of("Allow", allow));
        }
        return route.get().handler().apply(new Request(method, segments, query, body));
    }

    private Optional<Route> route(List<String> s) {
        String first = s.get(0);
        Route route = switch (s.size()) {
            case 1 ->
                switch (first) {
                    case "stores" -> get(r -> ApiResponse.ok(views.stores(clockMillis.getAsLong())));
                    case "regions" -> get(r -> ApiResponse.ok(views.regions()));
                    case "config" -> get(r -> ApiResponse.ok(views.config()));
                    case "health" -> get(r -> ApiResponse.ok(views.health()));
                    case "members" -> get(r -> ApiResponse.ok(views.members()));
                    case "version" -> get(r -> ApiResponse.ok(views.version()));
                    case "cluster" -> get(r -> ApiResponse.ok(views.clusterInfo()));
                    default -> null;
                };
            case 2 ->
                switch (first) {
                    case "store" -> get(r -> store(s.get(1)));
                    case "checker" -> new Route(Set.of(GET, POST), r -> checker(r, s.get(1)));
                    default -> null;
                };
            case 3 ->
                !first.equals("region")
                        ? null
                        : switch (s.get(1)) {
                            case "id" -> get(r -> region(s.get(2)));
                            case "key" -> get(r -> regionByKey(s.get(2), r.query()));
                            default -> null;
                        };
            default -> null;
        };
        return Optional.ofNullable(route);
    }

    private static Route get(Function<Request, ApiResponse> handler) {
        return new Route(Set.of(GET), handler);
    }

    private ApiResponse store(String idText) {
        long id = id("store", idText);
        return views.store(id, clockMillis.getAsLong())
                .map(ApiResponse::ok)
                .orElseGet(() -> ApiResponse.error(ApiResponse.NOT_FOUND, "store " + idText + " not found"));
    }

    private ApiResponse region(String idText) {
        long id = id("region", idText);
        return views.region(id)
                .map(ApiResponse::ok)
                .orElseGet(() -> ApiResponse.error(ApiResponse.NOT_FOUND, "region " + idText + " not found"));
    }

    /** As PD: the key is URL-decoded, or hex-decoded with {@code ?format=hex}. */
    private ApiResponse regionByKey(String keyText, Map<String, String> query) {
        String decoded = URLDecoder.decode(keyText, StandardCharsets.UTF_8);
        ByteString key;
        if ("hex".equals(query.get("format"))) {
            try {
                key = ByteString.copyFrom(HexFormat.of().parseHex(decoded));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid hex key '" + decoded + "': " + e.getMessage());
            }
        } else {
            key = ByteString.copyFromUtf8(decoded);
        }
        return views.regionByKey(key)
                .map(ApiResponse::ok)
                .orElseGet(() -> ApiResponse.error(ApiResponse.NOT_FOUND, "no region holds key '" + decoded + "'"));
    }

    private ApiResponse checker(Request r, String name) {
        if (!SchedulerPauses.CHECKER_NAMES.contains(name)) {
            return ApiResponse.error(
                    ApiResponse.NOT_FOUND,
                    "checker " + name + " not found; known checkers: "
                            + SchedulerPauses.CHECKER_NAMES.stream().sorted().toList());
        }
        if (r.method().equals(GET)) {
            return ApiResponse.ok(Map.of("paused", pauses.isPaused(name, clockMillis.getAsLong())));
        }
        long delaySeconds = delaySeconds(r.body());
        pauses.pause(name, Duration.ofSeconds(delaySeconds));
        // PD's answers, word for word.
        return ApiResponse.ok(
                delaySeconds == 0 ? "Resume the checker successfully." : "Pause the checker successfully.");
    }

    /** The {@code delay} of a checker POST body: a non-negative whole number of seconds. */
    private static long delaySeconds(byte[] body) {
        JsonNode json;
        try {
            json = PdJson.mapper().readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("the body cannot be read: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("expected a JSON object like {\"delay\": 300}");
        }
        JsonNode delay = json.get("delay");
        if (delay == null) {
            throw new IllegalArgumentException("missing pause time: expected {\"delay\": seconds}");
        }
        if (!delay.isIntegralNumber() || !delay.canConvertToLong()) {
            throw new IllegalArgumentException("delay must be a whole number of seconds (got " + delay + ")");
        }
        if (delay.asLong() < 0) {
            throw new IllegalArgumentException("delay cannot be negative (got " + delay + ")");
        }
        return delay.asLong();
    }

    private static long id(String what, String text) {
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + what + " id '" + text + "': expected an unsigned integer");
        }
    }

    private static ApiResponse notFound(String method, String path) {
        return ApiResponse.error(
                ApiResponse.NOT_FOUND,
                "no route for " + method + " " + path + " (PD API routes are under " + PREFIX + ")");
    }

    private static Map<String, String> query(String text) {
        Map<String, String> out = new HashMap<>();
        for (String pair : text.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }
}
