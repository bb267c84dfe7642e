package io.tinykv.storage;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ProcessHalter#RUNTIME}: one error line, then {@link Runtime#halt}. */
final class RuntimeHalter implements ProcessHalter {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeHalter.class);

    private final int exitStatus;

    RuntimeHalter(int exitStatus) {
        this.exitStatus = exitStatus;
    }

    @Override
    public HaltedException halt(String path, Throwable cause) {
        // The console appender writes synchronously, so the line is out before the JVM stops.
        LOG.error(
                "FATAL: {} failed; halting the process with status {} (fail-stop, DESIGN.md §6): {}",
                path,
                exitStatus,
                cause.toString(),
                cause);
        Runtime.getRuntime().halt(exitStatus);
        throw new AssertionError("Runtime.halt returned");
    }
}
