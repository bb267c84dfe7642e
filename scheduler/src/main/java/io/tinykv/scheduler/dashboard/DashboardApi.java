package io.tinykv.scheduler.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinykv.scheduler.SchedulerPauses;
import io.tinykv.scheduler.http.ApiResponse;
import io.tinykv.scheduler.http.PdJson;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The JSON API of the status page and of {@code tinykv ctl}'s cluster operations, under
 * {@value #PREFIX}; independent of the transport (the status server and the client port both carry
 * it). Bad input answers 400, a refused operation 404 or 409 with {@code {"error": why}}.
 *
 * <pre>
 * GET    stores                      every store, tombstones included
 * GET    regions?q=&amp;offset=&amp;limit=  one page of the regions matching q ({@link RegionQuery})
 * GET    region/id/{id}, region/key/{key}[?format=hex]
 * GET    operators                   running and recently ended operators
 * POST   operators                   {"type": "transfer-leader"|"add-peer"|"remove-peer", "region_id", "store_id"}
 *                                    {"type": "split", "key", "format": "text"|"hex"}  {"type": "scatter", "region_id"}
 * GET    status                      cluster id, TSO and id state, under-replicated regions, pauses
 * GET    history                     the chart samples
 * POST   stores/{id}/state           {"state": "offline"|"up"}
 * DELETE stores/{id}                 forget a tombstone
 * GET    schedulers                  what can be paused, and what is
 * POST   schedulers/{name}           {"delay_seconds": N}; 0 resumes
 * </pre>
 */
public final class DashboardApi {

    public static final String PREFIX = "/api/v1/";
    private static final String GET = "GET";
    private static final String POST = "POST";
    private static final String DELETE = "DELETE";

    private final DashboardViews views;
    private final ClusterOps ops;
    private final SchedulerPauses pauses;
    private final ClusterHistory history;
    private final LongSupplier clockMillis;

    public DashboardApi(
            DashboardViews views,
            ClusterOps ops,
            SchedulerPauses pauses,
            ClusterHistory history,
            LongSupplier clockMillis) {
        this.views = views;
        this.ops = ops;
        this.pauses = pauses;
        this.history = history;
        this.clockMillis = clockMillis;
    }

    /** Whether {@code path} is this API's. */
    public static boolean owns(String path) {
        return path.startsWith(PREFIX);
    }

    /** Answers one request; never throws for bad input. @param uri path and query, as sent */
    public ApiResponse handle(String method, String uri, byte[] body) {
        try {
            int q = uri.indexOf('?');
            String path = q < 0 ? uri : uri.substring(0, q);
            Map<String, String> query = q < 0 ? Map.of() : query(uri.substring(q + 1));
            if (!owns(path)) {
                return ApiResponse.error(
                        ApiResponse.NOT_FOUND, "no route for " + path + " (the API is under " + PREFIX + ")");
            }
            List<String> s = Arrays.asList(path.substring(PREFIX.length()).split("/", -1));
            return route(method, s, query, body);
        } catch (Refusal r) {
            return ApiResponse.error(r.status(), r.getMessage());
        } catch (IllegalArgumentException e) {
            return ApiResponse.error(ApiResponse.BAD_REQUEST, e.getMessage());
        }
    }

    private ApiResponse route(String method, List<String> s, Map<String, String> query, byte[] body) {
        String path = String.join("/", s);
        long now = clockMillis.getAsLong();
        if (s.size() == 1) {
            switch (s.get(0)) {
                case "stores" -> {
                    return getOnly(method, path, () -> views.stores(now));
                }
                case "regions" -> {
                    return getOnly(
                            method,
                            path,
                            () -> views.regions(RegionQuery.parse(
                                    query.get("q"),
                                    intParam(query, "offset", 0),
                                    intParam(query, "limit", RegionQuery.DEFAULT_LIMIT))));
                }
                case "operators" -> {
                    if (method.equals(GET)) {
                        return ApiResponse.ok(views.operators());
                    }
                    return method.equals(POST)
                            ? ApiResponse.ok(operator(json(body)))
                            : notAllowed(method, path, "GET, POST");
                }
                case "status" -> {
                    return getOnly(method, path, () -> views.status(pauses, now));
                }
                case "history" -> {
                    return getOnly(method, path, () -> history.samples());
                }
                case "schedulers" -> {
                    return getOnly(method, path, () -> views.status(pauses, now).pauses());
                }
                default -> {}
            }
        }
        if (s.size() == 2 && s.get(0).equals("stores")) {
            if (!method.equals(DELETE)) {
                return notAllowed(method, path, DELETE);
            }
            return ApiResponse.ok(ops.removeTombstone(id("store", s.get(1))));
        }
        if (s.size() == 3 && s.get(0).equals("stores") && s.get(2).equals("state")) {
            if (!method.equals(POST)) {
                return notAllowed(method, path, POST);
            }
            long id = id("store", s.get(1));
            String state = text(json(body), "state");
            return ApiResponse.ok(
                    switch (state) {
                        case "offline" -> ops.storeOffline(id);
                        case "up" -> ops.storeUp(id);
                        default ->
                            throw new IllegalArgumentException(
                                    "state must be \"offline\" or \"up\" (got \"" + state + "\")");
                    });
        }
        if (s.size() == 2 && s.get(0).equals("schedulers")) {
            if (!method.equals(POST)) {
                return notAllowed(method, path, POST);
            }
            JsonNode delay = json(body).get("delay_seconds");
            if (delay == null || !delay.canConvertToLong() || delay.asLong() < 0) {
                throw new IllegalArgumentException("expected {\"delay_seconds\": N} with N >= 0 (0 resumes)");
            }
            return ApiResponse.ok(ops.pause(s.get(1), Duration.ofSeconds(delay.asLong())));
        }
        if (s.size() == 3 && s.get(0).equals("region")) {
            ApiResponse wrong = only(method, GET, path);
            if (wrong != null) {
                return wrong;
            }
            return switch (s.get(1)) {
                case "id" ->
                    views.region(id("region", s.get(2)))
                            .map(ApiResponse::ok)
                            .orElseGet(() ->
                                    ApiResponse.error(ApiResponse.NOT_FOUND, "region " + s.get(2) + " not found"));
                case "key" -> {
                    String key = URLDecoder.decode(s.get(2), StandardCharsets.UTF_8);
                    yield views.regionByKey(KeyText.parse(key, "hex".equals(query.get("format"))))
                            .map(ApiResponse::ok)
                            .orElseGet(() -> ApiResponse.error(ApiResponse.NOT_FOUND, "no region holds key " + key));
                }
                default -> notFound(path);
            };
        }
        return notFound(path);
    }

    private ClusterOps.Done operator(JsonNode body) {
        String type = text(body, "type");
        return switch (type) {
            case "transfer-leader" -> ops.transferLeader(number(body, "region_id"), number(body, "store_id"));
            case "add-peer" -> ops.addPeer(number(body, "region_id"), number(body, "store_id"));
            case "remove-peer" -> ops.removePeer(number(body, "region_id"), number(body, "store_id"));
            case "scatter" -> ops.scatter(number(body, "region_id"));
            case "split" -> {
                JsonNode format = body.get("format");
                boolean hex = format != null && format.asText().equals("hex");
                yield ops.split(KeyText.parse(text(body, "key"), hex));
            }
            default ->
                throw new IllegalArgumentException("unknown operator type \"" + type
                        + "\"; known: transfer-leader, add-peer, remove-peer, split, scatter");
        };
    }

    private static ApiResponse getOnly(String method, String path, java.util.function.Supplier<Object> answer) {
        return method.equals(GET) ? ApiResponse.ok(answer.get()) : notAllowed(method, path, GET);
    }

    private static ApiResponse only(String method, String allowed, String path) {
        return method.equals(allowed) ? null : notAllowed(method, path, allowed);
    }

    private static ApiResponse notAllowed(String method, String path, String allow) {
        return new ApiResponse(
                ApiResponse.METHOD_NOT_ALLOWED,
                Map.of("error", method + " is not allowed on " + PREFIX + path + "; allowed: " + allow),
                Map.of("Allow", allow));
    }

    private static ApiResponse notFound(String path) {
        return ApiResponse.error(ApiResponse.NOT_FOUND, "no route for " + PREFIX + path);
    }

    private static JsonNode json(byte[] body) {
        JsonNode node;
        try {
            node = PdJson.mapper().readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected a JSON object as the body");
        }
        return node;
    }

    private static String text(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException("missing \"" + field + "\" (a string) in the body");
        }
        return v.asText();
    }

    private static long number(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || !v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() <= 0) {
            throw new IllegalArgumentException("missing \"" + field + "\" (a positive whole number) in the body");
        }
        return v.asLong();
    }

    private static long id(String what, String text) {
        try {
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid " + what + " id '" + text + "': expected a number");
        }
    }

    private static int intParam(Map<String, String> query, String name, int fallback) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a whole number (got '" + v + "')");
        }
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
