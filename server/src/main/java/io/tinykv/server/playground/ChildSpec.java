package io.tinykv.server.playground;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One {@code tinykv} process the playground runs.
 *
 * @param name    short and unique ({@code scheduler}, {@code store1}, ...): names the log file and messages
 * @param address the {@code host:port} it serves on
 * @param args    the {@code tinykv} arguments, e.g. {@code server --pd 127.0.0.1:2379 ...}
 * @param logFile where its stdout and stderr go (appended, so that restarts keep the history)
 */
public record ChildSpec(String name, String address, List<String> args, Path logFile) {
    public ChildSpec {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        Objects.requireNonNull(address, "address");
        args = List.copyOf(args);
        if (args.isEmpty()) {
            throw new IllegalArgumentException(name + ": args must name a tinykv subcommand");
        }
        Objects.requireNonNull(logFile, "logFile");
    }

    /** The same process with {@code more} arguments after its own (e.g. the TLS options). */
    public ChildSpec withMoreArgs(List<String> more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(more);
        return new ChildSpec(name, address, all, logFile);
    }

    /** The command a person types to start this process by hand ({@code tinykv server --pd ...}). */
    public String tinykvCommandLine() {
        StringBuilder line = new StringBuilder("tinykv");
        for (String arg : args) {
            line.append(' ').append(ShellWords.quote(arg));
        }
        return line.toString();
    }
}
