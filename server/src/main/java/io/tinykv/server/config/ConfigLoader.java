package io.tinykv.server.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import io.tinykv.scheduler.HostAndPort;
import io.tinykv.security.SecurityConfig;
import io.tinykv.security.SecurityToml;
import io.tinykv.storage.space.ReserveSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;

/**
 * Builds a {@link Config}: defaults, then a TOML file, then command-line overrides, then
 * {@link Config#validate()}. Unknown sections and keys are rejected (a typo must not silently
 * fall back to a default), and every problem names the setting it is about.
 */
public final class ConfigLoader {

    private static final TomlMapper TOML = new TomlMapper();
    private static final List<String> SECTIONS = List.of("server", "storage", "limits", "pd", SecurityConfig.SECTION);

    /** Values given on the command line; {@code null} means "not given". */
    /**
     * Command-line values that replace the file's; null leaves the file's. {@code peerAddr} is among
     * them so that validation sees it: checked without it, a store restarted with the ports it had
     * bound (its peer port given) was refused whenever its status port happened to be the default
     * peer port (addr + 40).
     */
    public record Overrides(HostAndPort addr, String advertiseAddr, String statusAddr, Path dataDir, String peerAddr) {
        /** No peer address from the command line. */
        public Overrides(HostAndPort addr, String advertiseAddr, String statusAddr, Path dataDir) {
            this(addr, advertiseAddr, statusAddr, dataDir, null);
        }

        public static Overrides none() {
            return new Overrides(null, null, null, null);
        }
    }

    private ConfigLoader() {}

    /** Defaults, overlaid by {@code file} when given, then by {@code overrides}; validated. */
    public static Config load(Path file, Overrides overrides) {
        return load(file, overrides, SecurityConfig.disabled());
    }

    /** Like {@link #load(Path, Overrides)}; {@code securityFlags} override {@code [security]} key by key. */
    public static Config load(Path file, Overrides overrides, SecurityConfig securityFlags) {
        Config fromFile = file == null ? Config.defaults() : parseFile(file);
        Config config = applyOverrides(fromFile, overrides);
        return config.withSecurity(config.security().overriddenBy(securityFlags))
                .validate();
    }

    public static Config parseFile(Path file) {
        return parse(readFile(file), file.toString());
    }

    /** Parses TOML text over the defaults (without validation); {@code source} names it in messages. */
    public static Config parse(String toml, String source) {
        return parse(toml, source, List.of());
    }

    /**
     * Like {@link #parse(String, String)}, but also accepts the top-level sections named in
     * {@code extraSections}, which a caller reads itself through {@link #root}.
     */
    public static Config parse(String toml, String source, List<String> extraSections) {
        List<String> problems = new ArrayList<>();
        Config d = Config.defaults();
        Table top = root(toml, source, problems);
        Table server = top.section("server");
        Table storage = top.section("storage");
        Table limits = top.section("limits");
        Table pd = top.section("pd");
        List<String> known = new ArrayList<>(SECTIONS);
        known.addAll(extraSections);
        top.rejectUnknown(known);

        Config.Server s = new Config.Server(
                server.value("addr", d.server().addr(), Table::hostPort),
                server.value("advertise-addr", d.server().advertiseAddr(), Table::string),
                server.value("status-addr", d.server().statusAddr(), Table::string),
                server.value("data-dir", d.server().dataDir(), n -> Path.of(Table.string(n))),
                server.value("grace-period", d.server().gracePeriodMillis(), Table::millis),
                server.value("peer-addr", d.server().peerAddr(), Table::string));
        server.rejectUnknown(List.of("addr", "advertise-addr", "status-addr", "data-dir", "grace-period", "peer-addr"));

        Config.Storage st = new Config.Storage(
                storage.value("block-cache-size", d.storage().blockCacheSizeBytes(), Table::bytes),
                storage.value("write-buffer-size", d.storage().writeBufferSizeBytes(), Table::bytes),
                storage.value("raft-write-buffer-size", d.storage().raftWriteBufferSizeBytes(), Table::bytes),
                storage.value("max-write-buffer-number", d.storage().maxWriteBufferNumber(), Table::integer),
                storage.value("max-background-jobs", d.storage().maxBackgroundJobs(), Table::integer),
                storage.value("bloom-filter-bits-per-key", d.storage().bloomFilterBitsPerKey(), Table::integer),
                storage.value("reserve-space", d.storage().reserveSpace(), Table::reserveSpace),
                storage.value("disk-check-interval", d.storage().diskCheckIntervalMillis(), Table::millis),
                storage.value("enable-ttl", d.storage().enableTtl(), Table::bool));
        storage.rejectUnknown(List.of(
                "block-cache-size",
                "write-buffer-size",
                "raft-write-buffer-size",
                "max-write-buffer-number",
                "max-background-jobs",
                "bloom-filter-bits-per-key",
                "reserve-space",
                "disk-check-interval",
                "enable-ttl"));

        Config.Limits l = new Config.Limits(
                limits.value("max-key-size", d.limits().maxKeySizeBytes(), Table::bytes),
                limits.value("raft-entry-max-size", d.limits().raftEntryMaxSizeBytes(), Table::bytes),
                limits.value("max-scan-limit", d.limits().maxScanLimit(), Table::integer),
                limits.value("grpc-max-message-size", d.limits().grpcMaxMessageSizeBytes(), Table::bytes),
                limits.value("max-batch-keys", d.limits().maxBatchKeys(), Table::integer),
                limits.value("max-response-size", d.limits().maxResponseSizeBytes(), Table::bytes),
                limits.value("max-concurrent-requests", d.limits().maxConcurrentRequests(), Table::integer));
        limits.rejectUnknown(List.of(
                "max-key-size",
                "raft-entry-max-size",
                "max-scan-limit",
                "grpc-max-message-size",
                "max-batch-keys",
                "max-response-size",
                "max-concurrent-requests"));

        Config.Pd p = new Config.Pd(pd.value("tso-save-window", d.pd().tsoSaveWindowMillis(), Table::millis));
        pd.rejectUnknown(List.of("tso-save-window"));

        SecurityConfig sec = SecurityToml.parse(top.node.get(SecurityConfig.SECTION), source, problems);

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Config(s, st, l, p, sec);
    }

    /**
     * The top-level table of TOML text, for reading sections of one's own; problems found while
     * reading values are added to {@code problems}.
     *
     * @throws ConfigException when the text is not valid TOML
     */
    public static Table root(String toml, String source, List<String> problems) {
        JsonNode root;
        try {
            root = TOML.readTree(toml);
        } catch (JacksonException e) {
            throw new ConfigException(source + " is not valid TOML: " + e.getOriginalMessage());
        }
        return new Table(root == null ? TOML.createObjectNode() : (ObjectNode) root, "", source, problems);
    }

    /** Reads a config file's text, with a clear message when it cannot. */
    public static String readFile(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e);
        }
    }

    public static Config applyOverrides(Config config, Overrides o) {
        Config.Server s = config.server();
        return config.withServer(new Config.Server(
                o.addr() != null ? o.addr() : s.addr(),
                o.advertiseAddr() != null ? o.advertiseAddr() : s.advertiseAddr(),
                o.statusAddr() != null ? o.statusAddr() : s.statusAddr(),
                o.dataDir() != null ? o.dataDir() : s.dataDir(),
                s.gracePeriodMillis(),
                o.peerAddr() != null ? o.peerAddr() : s.peerAddr()));
    }

    /** One TOML table being read; remembers which keys were used so the rest can be rejected. */
    public static final class Table {
        private final ObjectNode node;
        private final String path;
        private final String source;
        private final List<String> problems;

        Table(ObjectNode node, String path, String source, List<String> problems) {
            this.node = node;
            this.path = path;
            this.source = source;
            this.problems = problems;
        }

        public Table section(String name) {
            JsonNode child = node.get(name);
            if (child == null) {
                return new Table(TOML.createObjectNode(), name, source, problems);
            }
            if (!child.isObject()) {
                problems.add(source + ": '" + name + "' must be a table ([" + name + "])");
                return new Table(TOML.createObjectNode(), name, source, problems);
            }
            return new Table((ObjectNode) child, name, source, problems);
        }

        public <T> T value(String key, T defaultValue, Function<JsonNode, T> parser) {
            JsonNode v = node.get(key);
            if (v == null) {
                return defaultValue;
            }
            try {
                return parser.apply(v);
            } catch (IllegalArgumentException | ArithmeticException e) {
                problems.add(source + ": " + path + "." + key + ": " + e.getMessage());
                return defaultValue;
            }
        }

        public void rejectUnknown(List<String> known) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!known.contains(key)) {
                    String name = path.isEmpty() ? key : path + "." + key;
                    problems.add(source + ": unknown setting '" + name + "' (known "
                            + (path.isEmpty() ? "sections: " : "keys in [" + path + "]: ") + String.join(", ", known)
                            + ")");
                }
            }
        }

        public static String string(JsonNode n) {
            if (!n.isTextual()) {
                throw new IllegalArgumentException("expected a string (got " + n + ")");
            }
            return n.asText();
        }

        public static HostAndPort hostPort(JsonNode n) {
            return HostAndPort.parse(string(n));
        }

        public static boolean bool(JsonNode n) {
            if (!n.isBoolean()) {
                throw new IllegalArgumentException("expected true or false (got " + n + ")");
            }
            return n.asBoolean();
        }

        public static long integer(JsonNode n) {
            if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                throw new IllegalArgumentException("expected an integer (got " + n + ")");
            }
            return n.asLong();
        }

        public static long bytes(JsonNode n) {
            return n.isIntegralNumber() ? integer(n) : Units.parseBytes(string(n));
        }

        /** A size ({@code "2GiB"}; 0 turns the reserve off); negative sizes are refused. */
        public static ReserveSpace reserveSpace(JsonNode n) {
            return new ReserveSpace.Fixed(bytes(n));
        }

        public static long millis(JsonNode n) {
            return Units.parseMillis(string(n));
        }
    }
}
