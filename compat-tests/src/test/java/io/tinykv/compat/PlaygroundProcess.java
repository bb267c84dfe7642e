package io.tinykv.compat;

import io.tinykv.server.playground.JavaCommand;
import io.tinykv.server.playground.PlaygroundCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code tinykv playground} process. Its output is read line by line (so a test waits for the
 * ready line without polling) and kept for failure messages. {@link #close()} kills it and every
 * child it reported.
 */
final class PlaygroundProcess implements AutoCloseable {
    /** "  store1  pid 1234  ..." in the summary the playground prints once it serves. */
    private static final Pattern CHILD_LINE = Pattern.compile("^\\s+(scheduler|store\\d+)\\s+pid (\\d+)\\s.*");

    private static final String END_OF_OUTPUT = "\u0000eof";
    private static final List<String> RESET_SIGINT = List.of("env", "--default-signal=INT");
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final List<Long> childPids = new CopyOnWriteArrayList<>();

    private PlaygroundProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(this::readOutput, "playground-output");
        reader.setDaemon(true);
        reader.start();
    }

    static PlaygroundProcess start(Path dataDir, int pdPort, int basePort) {
        return start(dataDir, pdPort, basePort, List.of());
    }

    /** @param more further playground options, e.g. {@code --store-config FILE} */
    static PlaygroundProcess start(Path dataDir, int pdPort, int basePort, List<String> more) {
        List<String> args = new ArrayList<>(List.of(
                "playground",
                "--data-dir",
                dataDir.toString(),
                "--pd-port",
                Integer.toString(pdPort),
                "--base-port",
                Integer.toString(basePort)));
        for (String option : LocalCluster.CHILD_JVM_OPTIONS) {
            args.add("--jvm-opt=" + option);
        }
        args.addAll(more);
        JavaCommand java = new JavaCommand(
                JavaCommand.ofCurrentJvm(List.of()).javaBinary(),
                LocalCluster.serverClassPath(),
                JavaCommand.ofCurrentJvm(List.of("-Xmx128m")).jvmOptions());
        List<String> command = new ArrayList<>();
        if (canResetSigint()) {
            // If this JVM runs with SIGINT ignored (started in the background by a script), the
            // playground would inherit that and never see the test's Ctrl-C.
            command.addAll(RESET_SIGINT);
        }
        command.addAll(java.command("io.tinykv.server.Main", args));
        try {
            return new PlaygroundProcess(
                    new ProcessBuilder(command).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the playground", e);
        }
    }

    /** Whether GNU env can start a command with SIGINT back at its default action (coreutils >= 8.31). */
    private static boolean canResetSigint() {
        try {
            List<String> probe = new ArrayList<>(RESET_SIGINT);
            probe.add("true");
            Process p = new ProcessBuilder(probe)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return p.waitFor(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void readOutput() {
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                output.add(line);
                Matcher child = CHILD_LINE.matcher(line);
                if (child.matches()) {
                    childPids.add(Long.parseLong(child.group(2)));
                }
                lines.add(line);
            }
        } catch (IOException e) {
            output.add("(reading the output failed: " + e + ")");
        } finally {
            lines.add(END_OF_OUTPUT);
        }
    }

    /** Waits for the line saying the cluster serves; returns it. Fails with the output if the playground ends first. */
    String awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError(
                        "the playground did not serve within " + timeout + "; its output:\n" + output());
            }
            if (line.equals(END_OF_OUTPUT)) {
                throw new AssertionError("the playground ended before serving; its output:\n" + output());
            }
            if (line.startsWith(PlaygroundCommand.READY_LINE)) {
                // The child lines follow the ready line; wait for the closing hint that ends the summary.
                awaitLineStartingWith("Ctrl-C", deadline);
                return line;
            }
        }
    }

    private void awaitLineStartingWith(String start, long deadline) throws InterruptedException {
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null || line.equals(END_OF_OUTPUT)) {
                throw new AssertionError("the playground's summary ended early; its output:\n" + output());
            }
            if (line.startsWith(start)) {
                return;
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** The pids of the scheduler and stores, as the playground printed them. */
    List<Long> childPids() {
        return List.copyOf(childPids);
    }

    /** Sends SIGINT, as Ctrl-C in a terminal does. */
    void interrupt() throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -INT " + process.pid() + " failed");
        }
    }

    /** SIGKILL for the playground alone: its children must notice by themselves. */
    void killPlaygroundOnly() {
        process.destroyForcibly();
    }

    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the playground still runs " + timeout + " later; its output:\n" + output());
        }
        return process.exitValue();
    }

    String output() {
        return String.join("\n", output);
    }

    /** Kills the playground and every child it reported, whatever state the test left them in. */
    @Override
    public void close() {
        process.destroyForcibly();
        for (long pid : childPids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
