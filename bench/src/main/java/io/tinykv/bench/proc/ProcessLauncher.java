package io.tinykv.bench.proc;

import java.io.IOException;
import java.time.Duration;

/** Starts operating-system processes; tests substitute a fake that starts nothing. */
public interface ProcessLauncher {

    /** Starts a long-running process and returns at once. */
    ManagedProcess start(ProcessSpec spec) throws IOException;

    /** Runs a process to completion and returns its exit code; kills it after {@code timeout}. */
    int run(ProcessSpec spec, Duration timeout) throws IOException, InterruptedException;
}
