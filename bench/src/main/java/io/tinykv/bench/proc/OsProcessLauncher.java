package io.tinykv.bench.proc;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real processes through {@link ProcessBuilder}. */
public final class OsProcessLauncher implements ProcessLauncher {

    @Override
    public ManagedProcess start(ProcessSpec spec) throws IOException {
        return new OsProcess(spec.name(), builder(spec).start());
    }

    @Override
    public int run(ProcessSpec spec, Duration timeout) throws IOException, InterruptedException {
        OsProcess process = new OsProcess(spec.name(), builder(spec).start());
        if (!process.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.stop(Duration.ZERO);
            throw new IOException(spec.name() + " did not finish within " + timeout + "; see " + spec.logFile());
        }
        return process.process.exitValue();
    }

    private static ProcessBuilder builder(ProcessSpec spec) throws IOException {
        Files.createDirectories(spec.workDir());
        if (spec.logFile().getParent() != null) {
            Files.createDirectories(spec.logFile().getParent());
        }
        ProcessBuilder builder = new ProcessBuilder(spec.command())
                .directory(spec.workDir().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(spec.environment());
        return builder;
    }

    private static final class OsProcess implements ManagedProcess {
        private final String name;
        private final Process process;

        OsProcess(String name, Process process) {
            this.name = name;
            this.process = process;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public void stop(Duration grace) throws InterruptedException {
            // Take the descendants first: once a wrapper script exits its children are re-parented
            // and no longer reachable from it.
            List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
            all.add(process.toHandle());
            all.forEach(ProcessHandle::destroy);
            long deadline = System.nanoTime() + grace.toNanos();
            for (ProcessHandle h : all) {
                long remaining = deadline - System.nanoTime();
                if (remaining > 0) {
                    try {
                        h.onExit().get(remaining, TimeUnit.NANOSECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        // Falls through to the forcible kill below.
                    }
                }
            }
            all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            process.waitFor(grace.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        }
    }
}
