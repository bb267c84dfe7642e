package io.tinykv.server.config;

import java.util.List;

/** The configuration cannot be used; the message names every bad setting. */
public final class ConfigException extends RuntimeException {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** One entry per bad setting, each naming it. */
    public List<String> problems() {
        return problems;
    }
}
