package io.tinykv.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.server.config.Config;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The routes of the store's status address besides {@code /metrics} (which the Prometheus exporter
 * serves), as TiKV's status server answers them: {@code /config} is the effective configuration as
 * JSON, with TiKV's {@code storage.api-version} (1: RawKV and TxnKV keys as the client sends them)
 * and {@code storage.enable-ttl} (the setting; false: a ttl is refused); {@code /status} answers 200 while the
 * process serves; any other path is 404. The exporter sends every path it does not know here.
 */
public final class StatusRoutes implements HttpHandler {

    /** TiKV's API V1: raw keys stored as sent, no key-mode prefix. */
    static final int API_VERSION = 1;

    private static final int OK = 200;
    private static final int NOT_FOUND = 404;
    private static final int METHOD_NOT_ALLOWED = 405;

    private final Config base;
    private final Object store;
    private volatile byte[] configJson;

    /**
     * @param base the sections every process has
     * @param store the {@code [store]} section of the store, or null where there is none
     */
    public StatusRoutes(Config base, Object store) {
        this.base = base;
        this.store = store;
        this.configJson = configJson(base, store, "", "").getBytes(StandardCharsets.UTF_8);
    }

    /** Shows the addresses actually bound (a configured port 0 means "any free port"). */
    public void boundAddresses(String addr, String statusAddr) {
        configJson = configJson(base, store, addr, statusAddr).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Section by section, names in kebab-case as in the TOML file and in TiKV's answer; a non-empty
     * {@code boundAddr}/{@code boundStatusAddr} replaces the configured one.
     */
    static String configJson(Config base, Object store, String boundAddr, String boundStatusAddr) {
        ObjectMapper json = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .registerModule(new SimpleModule()
                        .addSerializer(HostAndPort.class, ToStringSerializer.instance)
                        .addSerializer(Path.class, ToStringSerializer.instance));
        ObjectNode root = json.createObjectNode();
        ObjectNode server = json.valueToTree(base.server());
        if (!boundAddr.isEmpty()) {
            server.put("addr", boundAddr);
        }
        if (!boundStatusAddr.isEmpty()) {
            server.put("status-addr", boundStatusAddr);
        }
        root.set("server", server);
        ObjectNode storage = json.valueToTree(base.storage());
        storage.put("api-version", API_VERSION);
        root.set("storage", storage);
        root.set("limits", json.valueToTree(base.limits()));
        root.set("pd", json.valueToTree(base.pd()));
        if (store != null) {
            root.set("store", json.valueToTree(store));
        }
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the configuration does not serialize to JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean known = path.equals("/config") || path.equals("/status");
            if (!known) {
                send(
                        exchange,
                        NOT_FOUND,
                        "text/plain; charset=utf-8",
                        ("no route " + path + "\n").getBytes(StandardCharsets.UTF_8));
            } else if (!exchange.getRequestMethod().equals("GET")
                    && !exchange.getRequestMethod().equals("HEAD")) {
                send(
                        exchange,
                        METHOD_NOT_ALLOWED,
                        "text/plain; charset=utf-8",
                        (exchange.getRequestMethod() + " is not allowed on " + path + "\n")
                                .getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/config")) {
                send(exchange, OK, "application/json", configJson);
            } else {
                send(exchange, OK, "text/plain; charset=utf-8", new byte[0]);
            }
        }
    }

    private static void send(HttpExchange exchange, int code, String contentType, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
