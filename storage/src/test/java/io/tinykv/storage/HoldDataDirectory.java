package io.tinykv.storage;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child process for tests: opens the engines of a data directory, prints {@value #READY}, and
 * holds them open until its standard input is closed (or it is killed).
 */
public final class HoldDataDirectory {

    static final String READY = "ready";

    /** A generous bound for a child JVM to start on a loaded machine; never a sleep. */
    static final long CHILD_DEADLINE_SECONDS = 120;

    private HoldDataDirectory() {}

    public static void main(String[] args) throws IOException {
        try (Engines engines = Engines.open(Path.of(args[0]), TestData.SMALL_CONFIG)) {
            System.out.println(READY);
            System.out.flush();
            while (System.in.read() != -1) {
                // Hold the directory until the parent closes our stdin.
            }
            System.out.println("closing " + engines.dataDir());
        }
    }

    /**
     * Starts a child JVM on {@code dataDir} with {@code jvmOptions} and returns it once it has
     * opened the engines; the caller ends it (closing its stdin, or killing it).
     */
    static Process start(Path dataDir, List<String> jvmOptions)
            throws IOException, InterruptedException, ExecutionException, TimeoutException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of(
                "-cp", System.getProperty("java.class.path"), HoldDataDirectory.class.getName(), dataDir.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader childOutput =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        // Empty once the child is ready; what it printed if it ended without getting there.
        CompletableFuture<Optional<String>> failure = CompletableFuture.supplyAsync(() -> {
            StringBuilder printed = new StringBuilder();
            try {
                for (String line; (line = childOutput.readLine()) != null; ) {
                    if (line.equals(READY)) {
                        return Optional.empty();
                    }
                    printed.append(line).append('\n');
                }
                return Optional.of(printed.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            Optional<String> printed = failure.get(CHILD_DEADLINE_SECONDS, TimeUnit.SECONDS);
            if (printed.isPresent()) {
                throw new IllegalStateException("the child ended before opening the engines:\n" + printed.get());
            }
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            child.destroyForcibly();
            throw e;
        }
        // Keep draining, so a chatty child never blocks on a full pipe.
        CompletableFuture.runAsync(() -> {
            try {
                childOutput.transferTo(Writer.nullWriter());
            } catch (IOException e) {
                // The child is gone.
            }
        });
        return child;
    }
}
