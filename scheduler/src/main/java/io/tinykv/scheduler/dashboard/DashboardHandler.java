package io.tinykv.scheduler.dashboard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tinykv.scheduler.http.ApiResponse;
import io.tinykv.scheduler.http.PdJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything on the scheduler's status address except {@code /metrics} (which the Prometheus
 * exporter answers and sends the rest here): the page ({@code /}), its assets ({@code /static/...},
 * served from the jar: nothing is fetched from elsewhere at run time) and the {@link DashboardApi}.
 */
public final class DashboardHandler implements HttpHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardHandler.class);
    private static final String RESOURCES = "/io/tinykv/scheduler/dashboard/";
    /** The assets, by URL path: a fixed list, so no request can name another resource of the jar. */
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html",
            "/index.html", "index.html",
            "/static/app.js", "app.js",
            "/static/style.css", "style.css",
            "/static/uPlot.iife.min.js", "vendor/uPlot.iife.min.js",
            "/static/uPlot.min.css", "vendor/uPlot.min.css");

    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8");
    private static final int OK = 200;
    private static final int NOT_FOUND = 404;
    private static final int METHOD_NOT_ALLOWED = 405;
    /** Request bodies are small JSON objects. */
    private static final int MAX_BODY_BYTES = 64 * 1024;

    private final DashboardApi api;
    private final Map<String, byte[]> assets;

    public DashboardHandler(DashboardApi api) {
        this.api = api;
        this.assets = new java.util.HashMap<>();
        for (Map.Entry<String, String> a : ASSETS.entrySet()) {
            assets.put(a.getKey(), load(a.getValue()));
        }
    }

    private static byte[] load(String name) {
        try (InputStream in = DashboardHandler.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("the status page's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the status page's " + name, e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (DashboardApi.owns(path)) {
                byte[] body = exchange.getRequestBody().readNBytes(MAX_BODY_BYTES + 1);
                ApiResponse answer = body.length > MAX_BODY_BYTES
                        ? ApiResponse.error(
                                ApiResponse.BAD_REQUEST, "the body is larger than " + MAX_BODY_BYTES + " bytes")
                        : answer(
                                method,
                                exchange.getRequestURI().getRawPath()
                                        + (exchange.getRequestURI().getRawQuery() == null
                                                ? ""
                                                : "?" + exchange.getRequestURI().getRawQuery()),
                                body);
                answer.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
                send(exchange, answer.status(), "application/json; charset=utf-8", PdJson.write(answer.body()));
                return;
            }
            byte[] asset = assets.get(path);
            if (asset == null) {
                send(
                        exchange,
                        NOT_FOUND,
                        "text/plain; charset=utf-8",
                        ("no page " + path + "; the status page is at /\n").getBytes(StandardCharsets.UTF_8));
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(
                        exchange,
                        METHOD_NOT_ALLOWED,
                        "text/plain; charset=utf-8",
                        (method + " is not allowed on " + path + "\n").getBytes(StandardCharsets.UTF_8));
            } else {
                String name = ASSETS.get(path);
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                send(exchange, OK, TYPES.get(name.substring(name.lastIndexOf('.') + 1)), asset);
            }
        }
    }

    private ApiResponse answer(String method, String uri, byte[] body) {
        try {
            return api.handle(method, uri, body);
        } catch (RuntimeException e) {
            LOG.warn("{} {} failed", method, uri, e);
            return ApiResponse.error(ApiResponse.INTERNAL_ERROR, e.toString());
        }
    }

    private static void send(HttpExchange exchange, int code, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
