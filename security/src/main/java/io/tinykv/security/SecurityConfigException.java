package io.tinykv.security;

import java.util.List;

/** The {@code [security]} settings are unusable; the message lists every problem. */
public final class SecurityConfigException extends IllegalArgumentException {

    private final List<String> problems;

    public SecurityConfigException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
