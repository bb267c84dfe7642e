package io.tinykv.raft.interaction;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The arguments of one command line: positional words and {@code key=value} options, where a value
 * may be a list in parentheses, {@code voters=(1,2,3)}. Options a command does not know are an error,
 * so a typo in a script fails loudly instead of being ignored.
 */
final class CommandArgs {
    private final String name;
    private final List<String> positional = new ArrayList<>();
    private final Map<String, String> options = new HashMap<>();

    private CommandArgs(String name) {
        this.name = name;
    }

    static CommandArgs parse(String line) {
        List<String> tokens = tokenize(line);
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        CommandArgs args = new CommandArgs(tokens.get(0));
        for (String token : tokens.subList(1, tokens.size())) {
            int eq = token.indexOf('=');
            if (eq > 0) {
                args.options.put(token.substring(0, eq), token.substring(eq + 1));
            } else {
                args.positional.add(token);
            }
        }
        return args;
    }

    private static List<String> tokenize(String line) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (char c : line.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            }
            if (Character.isWhitespace(c) && depth == 0) {
                if (!current.isEmpty()) {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced parentheses in '" + line + "'");
        }
        if (!current.isEmpty()) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    String name() {
        return name;
    }

    List<String> positional() {
        return positional;
    }

    void allowOnly(Set<String> known) {
        for (String key : options.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException(
                        name + ": unknown option '" + key + "' (known: " + new TreeSet<>(known) + ")");
            }
        }
    }

    void requirePositional(int min, int max, String usage) {
        if (positional.size() < min || positional.size() > max) {
            throw new IllegalArgumentException("usage: " + name + " " + usage);
        }
    }

    long id(int position) {
        return parseLong(positional.get(position), "node id");
    }

    List<Long> ids() {
        return positional.stream().map(p -> parseLong(p, "node id")).toList();
    }

    boolean has(String key) {
        return options.containsKey(key);
    }

    long longOption(String key, long fallback) {
        return options.containsKey(key) ? parseLong(options.get(key), key) : fallback;
    }

    boolean boolOption(String key, boolean fallback) {
        String value = options.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(name + ": " + key + " must be true or false, got '" + value + "'");
        }
        return Boolean.parseBoolean(value);
    }

    String option(String key, String fallback) {
        return options.getOrDefault(key, fallback);
    }

    List<Long> idList(String key) {
        String value = options.get(key);
        if (value == null) {
            return List.of();
        }
        if (!value.startsWith("(") || !value.endsWith(")")) {
            throw new IllegalArgumentException(name + ": " + key + " must be a list like (1,2,3), got '" + value + "'");
        }
        String inner = value.substring(1, value.length() - 1).strip();
        if (inner.isEmpty()) {
            return List.of();
        }
        List<Long> ids = new ArrayList<>();
        for (String part : inner.split("[,\\s]+")) {
            ids.add(parseLong(part, key));
        }
        return ids;
    }

    private long parseLong(String text, String what) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + what + " must be a number, got '" + text + "'");
        }
    }
}
