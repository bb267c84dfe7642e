package io.tinykv.bench.proc;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A process to start: its command line, where it runs and where its output goes.
 *
 * @param name a short label for messages, e.g. {@code etcd-1}
 * @param command the program and its arguments
 * @param workDir the working directory
 * @param logFile where stdout and stderr go together
 * @param environment variables added to the inherited environment
 */
public record ProcessSpec(
        String name, List<String> command, Path workDir, Path logFile, Map<String, String> environment) {

    public ProcessSpec {
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("process '" + name + "' has an empty command line");
        }
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
    }
}
