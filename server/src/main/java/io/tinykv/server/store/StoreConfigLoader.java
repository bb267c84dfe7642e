package io.tinykv.server.store;

import com.fasterxml.jackson.databind.JsonNode;
import io.tinykv.security.SecurityConfig;
import io.tinykv.server.config.Config;
import io.tinykv.server.config.ConfigException;
import io.tinykv.server.config.ConfigLoader;
import io.tinykv.server.config.ConfigLoader.Table;
import io.tinykv.server.gc.StoreGcConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds a {@link StoreServerConfig}: defaults, then a TOML file (the sections every process reads,
 * {@code [server] [storage] [limits] [pd] [security]}, through {@code ConfigLoader}, plus the
 * store's own {@code [store] [coprocessor] [gc] [raftstore]}), then command-line overrides, then
 * validation. Unknown sections and keys are rejected. {@code server/config/tinykv-server.example.toml}
 * lists every key with its default.
 */
public final class StoreConfigLoader {

    static final String STORE_SECTION = "store";
    static final String COPROCESSOR_SECTION = "coprocessor";
    static final String GC_SECTION = "gc";
    static final String RAFTSTORE_SECTION = "raftstore";
    static final List<String> RAFTSTORE_KEYS = List.of(
            "notify-capacity",
            "concurrent-recv-snap-limit",
            "snap-max-total-size",
            "concurrent-send-snap-limit",
            "pd-heartbeat-tick-interval",
            "hibernate-regions");
    static final List<String> GC_KEYS = List.of(
            "run-interval",
            "batch-keys",
            "max-records-per-key",
            "max-write-records-per-sec",
            "region-compact-min-tombstones");
    static final List<String> COPROCESSOR_KEYS = List.of(
            "region-max-size",
            "region-split-size",
            "region-max-keys",
            "region-split-keys",
            "split-region-check-tick-interval");
    static final List<String> STORE_KEYS = List.of(
            "pd-endpoints",
            "tick-interval",
            "election-ticks",
            "heartbeat-ticks",
            "region-heartbeat-ticks",
            "store-heartbeat-ticks",
            "raft-log-gc-count-limit",
            "command-timeout",
            "scheduler-timeout",
            "scheduler-max-backoff",
            "heartbeat-queue-capacity");

    private StoreConfigLoader() {}

    /**
     * @param file a TOML file or null
     * @param overrides the shared command-line overrides
     * @param pdEndpoints {@code --pd} (null when not given)
     */
    public static StoreServerConfig load(Path file, ConfigLoader.Overrides overrides, List<String> pdEndpoints) {
        return load(file, overrides, pdEndpoints, SecurityConfig.disabled());
    }

    /** Like {@link #load(Path, ConfigLoader.Overrides, List)}; {@code securityFlags} override {@code [security]}. */
    public static StoreServerConfig load(
            Path file, ConfigLoader.Overrides overrides, List<String> pdEndpoints, SecurityConfig securityFlags) {
        StoreServerConfig fromFile =
                file == null ? StoreServerConfig.defaults() : parse(ConfigLoader.readFile(file), file.toString());
        Config base = ConfigLoader.applyOverrides(fromFile.base(), overrides);
        StoreServerConfig config =
                fromFile.withBase(base.withSecurity(base.security().overriddenBy(securityFlags)));
        if (pdEndpoints != null) {
            config = config.withStore(config.store().withPdEndpoints(pdEndpoints));
        }
        return config.validate();
    }

    /** Parses TOML text over the defaults (without validation). */
    public static StoreServerConfig parse(String toml, String source) {
        Config base = ConfigLoader.parse(
                toml, source, List.of(STORE_SECTION, COPROCESSOR_SECTION, GC_SECTION, RAFTSTORE_SECTION));
        List<String> problems = new ArrayList<>();
        Table root = ConfigLoader.root(toml, source, problems);
        Table section = root.section(STORE_SECTION);
        StoreServerConfig.Store d = StoreServerConfig.Store.defaults();
        StoreServerConfig.Store store = new StoreServerConfig.Store(
                section.value("pd-endpoints", d.pdEndpoints(), StoreConfigLoader::endpoints),
                section.value("tick-interval", d.tickIntervalMillis(), Table::millis),
                section.value("election-ticks", d.electionTicks(), StoreConfigLoader::intValue),
                section.value("heartbeat-ticks", d.heartbeatTicks(), StoreConfigLoader::intValue),
                section.value("region-heartbeat-ticks", d.regionHeartbeatTicks(), StoreConfigLoader::intValue),
                section.value("store-heartbeat-ticks", d.storeHeartbeatTicks(), StoreConfigLoader::intValue),
                section.value("raft-log-gc-count-limit", d.raftLogGcCountLimit(), Table::integer),
                section.value("command-timeout", d.commandTimeoutMillis(), Table::millis),
                section.value("scheduler-timeout", d.schedulerTimeoutMillis(), Table::millis),
                section.value("scheduler-max-backoff", d.schedulerMaxBackoffMillis(), Table::millis),
                section.value("heartbeat-queue-capacity", d.heartbeatQueueCapacity(), StoreConfigLoader::intValue));
        section.rejectUnknown(STORE_KEYS);
        Table cop = root.section(COPROCESSOR_SECTION);
        StoreServerConfig.Coprocessor c = StoreServerConfig.Coprocessor.defaults();
        StoreServerConfig.Coprocessor coprocessor = new StoreServerConfig.Coprocessor(
                cop.value("region-max-size", c.regionMaxSizeBytes(), Table::bytes),
                cop.value("region-split-size", c.regionSplitSizeBytes(), Table::bytes),
                cop.value("region-max-keys", c.regionMaxKeys(), Table::integer),
                cop.value("region-split-keys", c.regionSplitKeys(), Table::integer),
                cop.value("split-region-check-tick-interval", c.splitCheckIntervalMillis(), Table::millis));
        cop.rejectUnknown(COPROCESSOR_KEYS);
        Table gcSection = root.section(GC_SECTION);
        StoreGcConfig g = StoreGcConfig.defaults();
        StoreGcConfig gc = g;
        try {
            gc = new StoreGcConfig(
                    gcSection.value("run-interval", g.runIntervalMillis(), Table::millis),
                    gcSection.value("batch-keys", g.batchKeys(), StoreConfigLoader::intValue),
                    gcSection.value("max-records-per-key", g.maxRecordsPerKey(), StoreConfigLoader::intValue),
                    gcSection.value("max-write-records-per-sec", g.maxRecordsPerSecond(), Table::integer),
                    gcSection.value("region-compact-min-tombstones", g.compactMinTombstones(), Table::integer));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        gcSection.rejectUnknown(GC_KEYS);
        Table rs = root.section(RAFTSTORE_SECTION);
        StoreServerConfig.Raftstore r = StoreServerConfig.Raftstore.defaults();
        StoreServerConfig.Raftstore raftstore = new StoreServerConfig.Raftstore(
                rs.value("notify-capacity", r.notifyCapacity(), StoreConfigLoader::intValue),
                rs.value("concurrent-recv-snap-limit", r.concurrentRecvSnapLimit(), StoreConfigLoader::intValue),
                rs.value("snap-max-total-size", r.snapMaxTotalSizeBytes(), Table::bytes),
                rs.value("concurrent-send-snap-limit", r.concurrentSendSnapLimit(), StoreConfigLoader::intValue),
                rs.value("pd-heartbeat-tick-interval", r.pdHeartbeatTickIntervalMillis(), Table::millis),
                rs.value("hibernate-regions", r.hibernateRegions(), Table::bool));
        rs.rejectUnknown(RAFTSTORE_KEYS);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new StoreServerConfig(base, store, coprocessor, gc, raftstore);
    }

    /** {@code --pd a:1,b:2} as a list. */
    public static List<String> splitEndpoints(String text) {
        return Arrays.stream(text.split(","))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static List<String> endpoints(JsonNode n) {
        if (n.isTextual()) {
            return splitEndpoints(n.asText());
        }
        if (!n.isArray()) {
            throw new IllegalArgumentException("expected a list of \"host:port\" strings (got " + n + ")");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : n) {
            out.add(Table.string(e));
        }
        return out;
    }

    private static int intValue(JsonNode n) {
        return Math.toIntExact(Table.integer(n));
    }
}
