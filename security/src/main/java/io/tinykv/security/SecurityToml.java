package io.tinykv.security;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads the {@code [security]} section of a TOML node — shared by the store's config loader and the
 * scheduler's {@code --config} file, so both spell and check the keys the same way.
 */
public final class SecurityToml {

    private static final TomlMapper TOML = new TomlMapper();

    private SecurityToml() {}

    /**
     * The {@code [security]} table {@code section} (null: absent), problems added to {@code problems}
     * naming {@code source} and the key.
     */
    public static SecurityConfig parse(JsonNode section, String source, List<String> problems) {
        if (section == null) {
            return SecurityConfig.disabled();
        }
        if (!section.isObject()) {
            problems.add(source + ": 'security' must be a table ([security])");
            return SecurityConfig.disabled();
        }
        for (Iterator<String> it = section.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!SecurityConfig.KEYS.contains(key)) {
                problems.add(source + ": unknown setting 'security." + key + "' (known keys in [security]: "
                        + String.join(", ", SecurityConfig.KEYS) + ")");
            }
        }
        return new SecurityConfig(
                path(section, SecurityConfig.CA_PATH, source, problems),
                path(section, SecurityConfig.CERT_PATH, source, problems),
                path(section, SecurityConfig.KEY_PATH, source, problems),
                names(section.get(SecurityConfig.CERT_ALLOWED_CN), SecurityConfig.CERT_ALLOWED_CN, source, problems),
                names(
                        section.get(SecurityConfig.STORE_CERT_ALLOWED_CN),
                        SecurityConfig.STORE_CERT_ALLOWED_CN,
                        source,
                        problems));
    }

    /**
     * A file holding only a {@code [security]} section (the scheduler's {@code --config}).
     *
     * @throws SecurityConfigException on unreadable or invalid TOML, or other sections
     */
    public static SecurityConfig readFile(Path file) {
        List<String> problems = new ArrayList<>();
        JsonNode root;
        try {
            root = TOML.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new SecurityConfigException(List.of(file + " is not valid TOML: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new SecurityConfigException(List.of("cannot read config file " + file + ": " + e));
        }
        SecurityConfig config = SecurityConfig.disabled();
        if (root != null) {
            for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!key.equals(SecurityConfig.SECTION)) {
                    problems.add(file + ": unknown setting '" + key + "' (this file takes [security] only; "
                            + "the other settings are command-line options)");
                }
            }
            config = parse(root.get(SecurityConfig.SECTION), file.toString(), problems);
        }
        if (!problems.isEmpty()) {
            throw new SecurityConfigException(problems);
        }
        return config;
    }

    private static Path path(JsonNode section, String key, String source, List<String> problems) {
        JsonNode v = section.get(key);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            problems.add(source + ": security." + key + ": expected a string (got " + v + ")");
            return null;
        }
        // TiKV treats an empty path as not set.
        return v.asText().isEmpty() ? null : Path.of(v.asText());
    }

    private static List<String> names(JsonNode v, String key, String source, List<String> problems) {
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode e : v) {
                if (e.isTextual()) {
                    out.add(e.asText());
                } else {
                    problems.add(source + ": security." + key + ": expected strings (got " + e + ")");
                }
            }
        } else {
            problems.add(source + ": security." + key + ": expected a list of strings (got " + v + ")");
        }
        return out;
    }
}
