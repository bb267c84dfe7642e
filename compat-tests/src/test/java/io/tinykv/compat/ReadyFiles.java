package io.tinykv.compat;

import io.tinykv.scheduler.ReadyFile;
import io.tinykv.server.playground.ChildProcess;
import io.tinykv.testkit.wait.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Test children ({@code tinykv scheduler}, {@code tinykv server}) listen on port 0 and report the
 * ports the kernel gave them in a {@code --ready-file}: a port picked by the test and bound later by
 * the child could be taken by any other process on the machine in between.
 */
public final class ReadyFiles {
    /** Loopback port 0: the kernel picks a free port when the child binds. */
    public static final String ANY_LOOPBACK_PORT = LocalCluster.LOOPBACK + ":0";

    private ReadyFiles() {}

    /**
     * Waits until {@code child} has written {@code file} and returns its addresses ({@link ReadyFile});
     * fails early, with {@code logs}, when the child exits first.
     */
    public static Map<String, String> await(ChildProcess child, Path file, Duration timeout, Supplier<String> logs) {
        return await(
                child.name(),
                child::isAlive,
                file,
                timeout,
                () -> "exited with code " + child.exitCode() + "\n" + logs.get());
    }

    /** As above, for a process that {@code alive} says is running and {@code death} describes once it is not. */
    static Map<String, String> await(
            String name, BooleanSupplier alive, Path file, Duration timeout, Supplier<String> death) {
        return Await.value(
                () -> {
                    Optional<Map<String, String>> addresses = read(file);
                    if (addresses.isEmpty() && !alive.getAsBoolean()) {
                        throw new AssertionError(name + " ended before it served: " + death.get());
                    }
                    return addresses;
                },
                timeout,
                name + " writes its ready file " + file);
    }

    private static Optional<Map<String, String>> read(Path file) {
        try {
            return ReadyFile.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
